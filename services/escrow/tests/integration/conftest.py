from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.db import make_engine, session_factory

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"


def upgrade_head(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOURBANK_ESCROW_DATABASE_URL", database_url)
    config = Config(ALEMBIC_INI)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@pytest.fixture
def migrated_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    upgrade_head(database_url, monkeypatch)
    return database_url


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url, pool_size=2)
    yield session_factory(engine)
    engine.dispose()
