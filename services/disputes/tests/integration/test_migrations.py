from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from hourbank_disputes.adapters import tables
from hourbank_shared.db import make_engine

pytestmark = pytest.mark.integration
ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"


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
        "disputes", "evidence", "request_projection", "inbox", "outbox", "idempotency_keys",
        "reports", "offering_providers",
    }  # fmt: skip


def test_pending_disputes_migrate_up_over_old_rows_and_down_only_once_none_is_left(
    database_url: str,
) -> None:
    config = Config(ALEMBIC_INI)
    config.attributes.update(url=database_url, configure_logger=False)
    engine = make_engine(database_url, pool_size=1)
    row = {"request_id": uuid4(), "dispute_type": "OTHER", "raised_by": uuid4(),
           "description": "x", "created_at": func.now(), "updated_at": func.now()}  # fmt: skip
    old, waiting = uuid4(), uuid4()
    try:
        command.upgrade(config, "0003")
        with engine.begin() as connection:
            connection.execute(
                insert(tables.disputes).values(id=old, status="OPEN", against=uuid4(), **row)
            )
        command.upgrade(config, "head")
        with engine.begin() as connection:
            connection.execute(
                insert(tables.disputes).values(id=waiting, status="PENDING", against=None, **row)
            )

        with pytest.raises(IntegrityError):  # a PENDING row has no place in the old schema
            command.downgrade(config, "0003")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                "0004"
            )
            connection.execute(delete(tables.disputes).where(tables.disputes.c.id == waiting))
        command.downgrade(config, "0003")
        with engine.begin() as connection:
            ids = connection.execute(select(tables.disputes.c.id)).scalars().all()
    finally:
        engine.dispose()
    assert ids == [old]
