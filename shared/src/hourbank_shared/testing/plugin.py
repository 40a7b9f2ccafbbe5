"""pytest plugin: session-wide real Kafka and PostgreSQL, fresh databases and topics."""

import os
import uuid
from collections.abc import Iterator

import pytest

from hourbank_shared.kafka import TopicSpec, delete_topics, ensure_topics, topic_names
from hourbank_shared.testing.infra import Infra, fresh_database, provide
from hourbank_shared.testing.secure_kafka import SecureKafka, start_secure_kafka
from hourbank_shared.topics import all_specs


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with provide() as provided:
        before = topic_names(provided.bootstrap)
        yield provided
        if os.environ.get("HOURBANK_TEST_KEEP_TOPICS"):
            return  # several pytest sessions share the broker: leave the cleanup to the last
        # tests create uniquely named topics (and DLQ/checkpoint topics for them):
        # leave the broker as it was, but for the contract's own topics
        keep = before | {spec.name for spec in all_specs()}
        created = [t for t in topic_names(provided.bootstrap) - keep if not t.startswith("_")]
        delete_topics(provided.bootstrap, created)


@pytest.fixture(scope="session")
def secure_kafka() -> Iterator[SecureKafka]:
    """The secure broker (SASL_SSL, ACLs), started if it is not running; left running."""
    secure = start_secure_kafka()
    admin = secure.security("admin")
    before = topic_names(secure.bootstrap, security=admin)
    yield secure
    keep = before | {spec.name for spec in all_specs()}
    created = topic_names(secure.bootstrap, security=admin) - keep
    delete_topics(secure.bootstrap, [t for t in created if not t.startswith("_")], security=admin)


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
