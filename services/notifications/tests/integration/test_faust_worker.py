"""The faust worker against the real Kafka 4 broker: events in, notification rows out."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as t
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import TopicSpec, dlq_topic, ensure_topics
from hourbank_shared.testing.infra import Infra
from hourbank_shared.topic_reader import read_all

from ..events import Story, contact, registered
from .conftest import Inbox

pytestmark = pytest.mark.integration
SECRET = "notifications-test-secret-0123456789abcdef"


@pytest.fixture
def worker(
    infra: Infra, migrated_url: str, new_topic: object, tmp_path: Path, smtp: tuple[Inbox, int]
) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    topic = new_topic("notifications.in")  # type: ignore[operator]
    ensure_topics(infra.bootstrap, [TopicSpec(contacts_of(topic), 3)])
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "HOURBANK_NOTIFICATIONS_DATABASE_URL": migrated_url,
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "HOURBANK_JWT_SECRET": SECRET,
        "HOURBANK_DEV_MODE": "true",  # the test secret is in the repository
        "HOURBANK_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "HOURBANK_NOTIFICATIONS_SMTP_PORT": str(smtp[1]),
    }
    command = [
        sys.executable, "-m", "hourbank_notifications", "worker", "--topic", topic,
        "--topic", contacts_of(topic), "--group", group_of(topic), "--metrics-port", "0",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
    try:
        yield topic, log, process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def contacts_of(topic: str) -> str:
    """The test's stand-in for the private member-contacts topic, next to `topic`."""
    return f"{topic}.contacts"


def group_of(topic: str) -> str:
    return f"notifications-test-{topic}"


def produce(bootstrap: str, topic: str, key: str, value: bytes, type_: str | None = None) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    headers = [("ce_type", type_.encode())] if type_ else None
    producer.produce(topic, key=key.encode(), value=value, headers=headers)
    assert producer.flush(10) == 0


def wait_handled(sessions: sessionmaker[Session], event_id: uuid.UUID) -> None:
    """Until the worker claimed the event in its inbox (another topic has no order with ours)."""
    query = select(t.inbox.c.event_id).where(t.inbox.c.event_id == event_id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sessions() as session:
            if session.execute(query).first():
                return
        time.sleep(0.2)
    raise TimeoutError(f"the worker did not handle {event_id}")


def notified(sessions: sessionmaker[Session]) -> list[tuple[uuid.UUID, str]]:
    n = t.notifications.c
    with sessions() as session:
        return [(r.member_id, r.type) for r in session.execute(select(n.member_id, n.type))]


def test_the_worker_turns_an_event_into_a_notification_and_an_email_and_dead_letters_poison(
    infra: Infra,
    worker: tuple[str, Path, subprocess.Popen[bytes]],
    sessions: sessionmaker[Session],
    smtp: tuple[Inbox, int],
) -> None:
    topic, log, process = worker
    story = Story()
    poison = f"not json {uuid.uuid4()}".encode()
    member = Envelope.wrap(registered(story.provider), source="/t")
    address = Envelope.wrap(contact(story.provider, "bob@example.org"), source="/t")
    envelope = Envelope.wrap(story.awaiting_response(), source="/hourbank/test")
    produce(infra.bootstrap, topic, str(story.provider), member.to_json())
    produce(infra.bootstrap, contacts_of(topic), str(story.provider), address.to_json())
    wait_handled(sessions, address.id)
    # a type that concerns no one is dropped by its header, unparsed: not a dead letter
    unread = f"an escrow event, not parsed {uuid.uuid4()}".encode()
    produce(infra.bootstrap, topic, str(story.request_id), unread, type_="hourbank.escrow.held.v1")
    produce(infra.bootstrap, topic, str(story.request_id), poison)
    produce(infra.bootstrap, topic, str(story.request_id), envelope.to_json())

    deadline = time.monotonic() + 60
    while not notified(sessions) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)

    assert notified(sessions) == [(story.provider, "REQUEST_RECEIVED")], log.read_text()[-3000:]
    letters = read_all(infra.bootstrap, dlq_topic("notifications"), expected=1, timeout=30)
    assert not [value for _, value, _ in letters if value == unread]
    ours = [dict(headers) for _, value, headers in letters if value == poison]
    assert len(ours) == 1
    assert ours[0]["dlq.reason"] == b"unparseable"
    assert ours[0]["dlq.topic"] == topic.encode()
    deadline = time.monotonic() + 10
    while not smtp[0].messages and time.monotonic() < deadline:
        time.sleep(0.1)
    (email,) = smtp[0].messages
    assert (email["To"], email["Subject"]) == ("bob@example.org", "HourBank: New request")


def behind(bootstrap: str, topic: str, group: str) -> tuple[int, int]:
    """Records past the group's committed offsets on the topic (a trailing transaction marker
    counts), and the topic's partitions."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, p) for p in partitions], 10)
        lag = sum(
            consumer.get_watermark_offsets(tp, timeout=10)[1] - max(tp.offset, 0)
            for tp in committed
        )
        return lag, len(partitions)
    finally:
        consumer.close()


def test_the_worker_commits_its_offsets_past_the_relays_transaction_markers(
    infra: Infra,
    worker: tuple[str, Path, subprocess.Popen[bytes]],
    sessions: sessionmaker[Session],
) -> None:
    topic, log, _ = worker
    producer = Producer(
        {"bootstrap.servers": infra.bootstrap, "transactional.id": f"test-{uuid.uuid4()}"}
    )
    producer.init_transactions(30)
    stories = [Story() for _ in range(20)]
    for story in stories:  # one transaction per event, as a relay's batch of one
        envelope = Envelope.wrap(story.awaiting_response(), source="/hourbank/test")
        producer.begin_transaction()
        producer.produce(topic, key=str(story.request_id).encode(), value=envelope.to_json())
        producer.commit_transaction(30)

    deadline = time.monotonic() + 60
    while len(notified(sessions)) < len(stories) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(notified(sessions)) == len(stories), log.read_text()[-3000:]
    # Every event handled: within a few commit intervals the group is behind by at most the
    # marker after the last event on each partition.
    deadline = time.monotonic() + 10
    while (lag := behind(infra.bootstrap, topic, group_of(topic)))[0] > lag[1]:
        assert time.monotonic() < deadline, f"{lag[0]} records behind; {log.read_text()[-2000:]}"
        time.sleep(0.5)


def test_events_arriving_together_are_notified_in_one_transaction(
    infra: Infra,
    worker: tuple[str, Path, subprocess.Popen[bytes]],
    sessions: sessionmaker[Session],
) -> None:
    topic, log, _ = worker
    stories = [Story() for _ in range(30)]
    producer = Producer({"bootstrap.servers": infra.bootstrap})
    for story in stories:
        member = Envelope.wrap(registered(story.provider), source="/t")
        producer.produce(topic, key=str(story.provider).encode(), value=member.to_json())
    awaiting = [Envelope.wrap(s.awaiting_response(), source="/hourbank/test") for s in stories]
    for story, envelope in zip(stories, awaiting, strict=True):
        producer.produce(topic, key=str(story.request_id).encode(), value=envelope.to_json())
    assert producer.flush(10) == 0
    for envelope in awaiting:
        wait_handled(sessions, envelope.id)

    assert sorted(notified(sessions)) == sorted((s.provider, "REQUEST_RECEIVED") for s in stories)
    # a claim's processed_at is now(): its transaction's start, one value per transaction
    ids = [envelope.id for envelope in awaiting]
    with sessions() as session:
        transactions = session.execute(
            select(func.count(distinct(t.inbox.c.processed_at))).where(t.inbox.c.event_id.in_(ids))
        ).scalar_one()
    assert transactions <= 10, log.read_text()[-3000:]
