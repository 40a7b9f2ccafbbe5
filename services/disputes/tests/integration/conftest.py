from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.migrations import upgrade

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"


@pytest.fixture
def migrated_url(database_url: str) -> str:
    upgrade(ALEMBIC_INI, database_url, quiet=True)
    return database_url


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url, pool_size=4)
    yield session_factory(engine)
    engine.dispose()
