"""Alembic environment: the disputes database named by HOURBANK_DISPUTES_DATABASE_URL."""

from hourbank_disputes.adapters.tables import metadata
from hourbank_shared.migrations import run_env

run_env(metadata, "HOURBANK_DISPUTES_DATABASE_URL")
