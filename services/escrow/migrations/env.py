"""Alembic environment: the escrow database named by HOURBANK_ESCROW_DATABASE_URL."""

from hourbank_escrow.adapters.tables import metadata
from hourbank_shared.migrations import run_env

run_env(metadata, "HOURBANK_ESCROW_DATABASE_URL")
