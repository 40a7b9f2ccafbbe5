"""The offering-review migration on a database holding offerings from before it: active ones
become APPROVED (they went live without review), withdrawn ones WITHDRAWN; and the migrated
offerings table is the one the code's metadata describes."""

from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text

from hourbank_requests.adapters import tables
from hourbank_shared.db import make_engine

pytestmark = pytest.mark.integration

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"
BEFORE = "0002_deadline_wakeups"
INSERT = text(
    "INSERT INTO offerings (id, provider_id, title, description, category, rate,"
    " response_window_hours, active) VALUES (:id, :provider, 't', '', 'c', 1, 24, :active)"
)


def migrate(database_url: str, revision: str) -> None:
    config = Config(ALEMBIC_INI)
    config.attributes["url"] = database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)


def test_existing_offerings_get_the_status_their_active_flag_meant(database_url: str) -> None:
    migrate(database_url, BEFORE)
    engine = make_engine(database_url, pool_size=1)
    live, withdrawn = uuid4(), uuid4()
    try:
        with engine.begin() as connection:
            for offering_id, active in ((live, True), (withdrawn, False)):
                connection.execute(
                    INSERT, {"id": offering_id, "provider": uuid4(), "active": active}
                )
        migrate(database_url, "head")
        with engine.connect() as connection:
            statuses = dict(connection.execute(text("SELECT id, status FROM offerings")).all())
            diffs = compare_metadata(MigrationContext.configure(connection), tables.metadata)
    finally:
        engine.dispose()

    assert statuses == {live: "APPROVED", withdrawn: "WITHDRAWN"}
    assert [d for d in diffs if "offerings" in repr(d)] == []
