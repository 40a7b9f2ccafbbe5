from uuid import uuid4

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from hourbank_notifications.adapters import tables
from hourbank_shared.db import make_engine

from .conftest import ALEMBIC_INI

pytestmark = pytest.mark.integration


def test_upgrade_head_creates_the_schema_of_the_metadata(migrated_url: str) -> None:
    engine = make_engine(migrated_url, pool_size=1)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), tables.metadata)
            names = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()

    assert diffs == []
    assert names == {*tables.metadata.tables, "alembic_version"}
    assert set(tables.metadata.tables) == {
        "notifications", "preferences", "email_deliveries", "members", "contacts",
        "inbox", "outbox", "idempotency_keys",
    }  # fmt: skip


def test_the_addresses_members_gave_before_move_to_the_contacts_table(database_url: str) -> None:
    config = Config(ALEMBIC_INI)
    config.attributes.update(url=database_url, configure_logger=False)
    command.upgrade(config, "0001")
    engine = make_engine(database_url, pool_size=1)
    ada, bob = uuid4(), uuid4()
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO members (member_id, display_name, email, roles) VALUES"
                    " (:ada, 'Ada', 'ada@example.org', '{member}'), (:bob, 'Bob', NULL, '{member}')"
                ),
                {"ada": ada, "bob": bob},
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            moved = connection.execute(text("SELECT member_id, email, sequence FROM contacts"))
            columns = {column["name"] for column in inspect(connection).get_columns("members")}
            assert [tuple(row) for row in moved] == [(ada, "ada@example.org", 0)]
    finally:
        engine.dispose()
    assert "email" not in columns
