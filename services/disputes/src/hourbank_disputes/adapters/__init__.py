"""The disputes service's tables and repositories in PostgreSQL."""
