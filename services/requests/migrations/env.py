"""Alembic environment: the requests database named by HOURBANK_REQUESTS_DATABASE_URL."""

from hourbank_requests.adapters.tables import metadata
from hourbank_shared.migrations import run_env

run_env(metadata, "HOURBANK_REQUESTS_DATABASE_URL")
