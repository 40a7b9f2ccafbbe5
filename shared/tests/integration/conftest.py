"""Fixtures of the shared library's integration tests."""

from collections.abc import Iterator

import pytest

from hourbank_shared.testing.pg import PgStore


@pytest.fixture
def pg(database_url: str) -> Iterator[PgStore]:
    """An outbox and inbox on the test database."""
    store = PgStore(database_url)
    yield store
    store.close()
