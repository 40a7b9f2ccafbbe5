"""Alembic environment: the notifications database named by HOURBANK_NOTIFICATIONS_DATABASE_URL."""

from hourbank_notifications.adapters.tables import metadata
from hourbank_shared.migrations import run_env

run_env(metadata, "HOURBANK_NOTIFICATIONS_DATABASE_URL")
