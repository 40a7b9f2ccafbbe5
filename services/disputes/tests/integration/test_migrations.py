import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from hourbank_disputes.adapters import tables
from hourbank_shared.db import make_engine

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
        "disputes", "evidence", "request_projection", "inbox", "outbox", "idempotency_keys",
        "reports", "offering_providers",
    }  # fmt: skip
