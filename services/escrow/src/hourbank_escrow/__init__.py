"""HourBank escrow service."""
