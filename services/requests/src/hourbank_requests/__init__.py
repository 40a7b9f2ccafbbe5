"""HourBank requests service."""
