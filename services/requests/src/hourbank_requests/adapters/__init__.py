"""SQLAlchemy tables and repositories of the requests service."""
