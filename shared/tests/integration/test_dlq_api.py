"""`/v1/dead-letters/<consumer>` against the real broker: an admin lists a consumer's dead
letters and replays one by its position; the secure broker lets a service do so on its own."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import Producer
from fastapi.testclient import TestClient

from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.consumer import dead_letter_headers
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.dlq import Position, replay
from hourbank_shared.dlq_api import dead_letter_router
from hourbank_shared.kafka import base_config, dlq_topic, replay_topic
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.service_app import service_app
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.secure_kafka import SecureKafka
from hourbank_shared.topic_reader import read_records
from hourbank_shared.topics import consumer_topic_specs, create_missing_topics

pytestmark = pytest.mark.integration

SECRET = "d" * 32
ADMIN = {"Authorization": f"Bearer {dev_token(uuid.uuid4(), SECRET, admin=True)}"}
PROBLEM = "application/problem+json"


def dead_letter(
    bootstrap: str, consumer: str, offset: int, security: KafkaSecurity | None = None
) -> None:
    """A message consumer failed at `offset` of hourbank.test, as its dead-letter producer
    writes it."""
    headers = dead_letter_headers(consumer, "hourbank.test", 2, offset, "handler_failed", "boom", 5)
    headers += [("dlq.event_id", str(uuid.uuid4()).encode()), ("dlq.event_type", b"test.v1")]
    errors: list[Any] = []
    producer = Producer({**base_config(bootstrap, "dlq-api-test", security), "acks": "all"})
    producer.produce(
        dlq_topic(consumer),
        key=b"k",
        value=b'{"id": 1}',
        headers=headers,
        on_delivery=lambda error, _: errors.append(error),
    )
    assert producer.flush(30) == 0 and errors == [None]


@pytest.fixture
def consumer(infra: Infra) -> str:
    name = f"dlqapi{uuid.uuid4().hex[:8]}"
    create_missing_topics(infra.bootstrap, consumer_topic_specs(name))
    return name


@pytest.fixture
def client(infra: Infra, database_url: str, consumer: str) -> Iterator[TestClient]:
    settings = ServiceSettings(
        database_url=database_url, jwt_secret=SECRET, kafka_bootstrap_servers=infra.bootstrap
    )
    engine = make_engine(database_url, pool_size=1)
    app = service_app(
        title="test", distribution="hourbank-shared", description="", settings=settings,
        sessions=session_factory(engine),
    )  # fmt: skip
    app.include_router(dead_letter_router(consumer, settings.kafka_bootstrap_servers, settings))
    with TestClient(app) as test_client:
        yield test_client
    engine.dispose()


def test_an_admin_lists_dead_letters_and_replays_one(
    infra: Infra, consumer: str, client: TestClient
) -> None:
    for offset in (40, 41):
        dead_letter(infra.bootstrap, consumer, offset)
    path = f"/v1/dead-letters/{consumer}"

    listed = client.get(path, headers=ADMIN)
    assert listed.status_code == 200, listed.text
    first, second = listed.json()["items"]
    assert listed.json()["next_cursor"] is None
    assert (first["topic"], first["partition"], first["offset"]) == ("hourbank.test", 2, 40)
    assert (first["reason"], first["error"], first["attempts"]) == ("handler_failed", "boom", 5)
    assert (first["consumer"], first["event_type"]) == (consumer, "test.v1")
    assert (first["dlq_partition"], first["dlq_offset"], first["position"]) == (0, 0, "0:0")
    assert (second["dlq_offset"], second["offset"]) == (1, 41)
    assert not first["replayed"] and not second["replayed"]

    replayed = client.post(f"{path}/1/replay", headers=ADMIN)
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["replay_topic"] == replay_topic(consumer)
    assert replayed.json()["dead_letter"]["offset"] == 41
    (sent,) = read_records(infra.bootstrap, replay_topic(consumer), 1, 30)
    assert sent.value == b'{"id": 1}'
    assert ("dlq.replayed_from", b"0:1") in sent.headers
    assert not any(key == "dlq.reason" for key, _ in sent.headers)

    after = client.get(path, headers=ADMIN).json()["items"]
    assert [(item["dlq_offset"], item["replayed"]) for item in after] == [(0, False), (1, True)]
    page = client.get(path, params={"limit": 1}, headers=ADMIN).json()
    rest = client.get(path, params={"cursor": page["next_cursor"]}, headers=ADMIN).json()
    assert [i["dlq_offset"] for i in page["items"] + rest["items"]] == [0, 1]
    assert rest["next_cursor"] is None


def test_a_replay_of_no_dead_letter_is_refused(consumer: str, client: TestClient) -> None:
    path = f"/v1/dead-letters/{consumer}"

    past_the_end = client.post(f"{path}/7/replay", headers=ADMIN)
    not_a_position = client.post(f"{path}/seven/replay", headers=ADMIN)
    member = client.get(
        path, headers={"Authorization": f"Bearer {dev_token(uuid.uuid4(), SECRET)}"}
    )

    assert past_the_end.status_code == 404
    assert past_the_end.headers["content-type"] == PROBLEM
    assert "past the end" in past_the_end.json()["detail"]
    assert not_a_position.status_code == 422
    assert not_a_position.headers["content-type"] == PROBLEM
    assert member.status_code == 403


def test_kafka_out_of_reach_is_a_503(database_url: str) -> None:
    settings = ServiceSettings(
        database_url=database_url, jwt_secret=SECRET, kafka_bootstrap_servers="127.0.0.1:9"
    )
    engine = make_engine(database_url, pool_size=1)
    app = service_app(
        title="test", distribution="hourbank-shared", description="", settings=settings,
        sessions=session_factory(engine),
    )  # fmt: skip
    app.include_router(dead_letter_router("escrow", settings.kafka_bootstrap_servers, settings))
    with TestClient(app) as client:
        answer = client.get("/v1/dead-letters/escrow", headers=ADMIN)
    engine.dispose()

    assert answer.status_code == 503
    assert answer.headers["content-type"] == PROBLEM


def test_a_service_replays_its_own_dead_letters_on_the_secure_broker(
    secure_kafka: SecureKafka,
) -> None:
    """What the API does as the escrow principal: read its dead-letter topic, create (if
    missing) and write its replay topic."""
    escrow = secure_kafka.security("escrow")
    create_missing_topics(
        secure_kafka.bootstrap,
        consumer_topic_specs("escrow"),
        security=secure_kafka.security("admin"),
    )
    dead_letter(secure_kafka.bootstrap, "escrow", 9, security=escrow)
    last = read_records(secure_kafka.bootstrap, dlq_topic("escrow"), 1, 30, security=escrow)[-1]

    (letter,) = replay(
        secure_kafka.bootstrap, "escrow", [Position(last.partition, last.offset)], escrow
    )

    assert letter.header("dlq.offset") == "9"
    sent = read_records(secure_kafka.bootstrap, replay_topic("escrow"), 1, 30, security=escrow)
    assert ("dlq.replayed_from", str(letter.position).encode()) in sent[-1].headers
