"""Event payloads: the only cross-service import."""
