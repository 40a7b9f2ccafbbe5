"""HourBank notifications service."""
