"""HourBank shared library."""
