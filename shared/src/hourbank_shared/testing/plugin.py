"""pytest plugin: session-wide real Kafka and PostgreSQL, fresh databases and topics."""

import uuid
from collections.abc import Iterator

import pytest

from hourbank_shared.kafka import TopicSpec, ensure_topics
from hourbank_shared.testing.infra import Infra, fresh_database, provide


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with provide() as provided:
        yield provided


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    with fresh_database(infra) as url:
        yield url


@pytest.fixture
def new_topic(infra: Infra) -> "TopicMaker":
    return TopicMaker(infra.bootstrap)


class TopicMaker:
    """Creates uniquely named topics so tests never see each other's messages."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    def __call__(self, stem: str = "test", partitions: int = 3) -> str:
        name = f"{stem}.{uuid.uuid4().hex[:10]}"
        ensure_topics(self.bootstrap, [TopicSpec(name, partitions)])
        return name
