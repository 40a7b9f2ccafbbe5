"""HourBank disputes service."""
