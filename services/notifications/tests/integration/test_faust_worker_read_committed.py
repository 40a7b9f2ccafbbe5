"""The faust worker reads read_committed: an aborted relay batch never reaches `notify`."""

import subprocess
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import transactional_producer_config, watermarks
from hourbank_shared.testing.infra import Infra

from ..events import Story
from .test_faust_worker import notified, worker  # noqa: F401 (worker is a fixture)

pytestmark = pytest.mark.integration


def relay_batch(producer: Producer, topic: str, stories: list[Story], *, commit: bool) -> None:
    """One relay batch in one Kafka transaction, all on partition 0 so they are read in order."""
    producer.begin_transaction()
    for story in stories:
        envelope = Envelope.wrap(story.awaiting_response(), source="/hourbank/test")
        key = str(story.request_id).encode()
        producer.produce(topic, key=key, value=envelope.to_json(), partition=0)
    producer.flush(30)  # on the broker before the end of the transaction, aborted or not
    if commit:
        producer.commit_transaction(30)
    else:
        producer.abort_transaction(30)


def test_the_worker_never_notifies_of_an_aborted_event_and_does_of_the_committed_one_after(
    infra: Infra,
    worker: tuple[str, Path, subprocess.Popen[bytes]],  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    topic, log, process = worker
    aborted, committed = [Story(), Story()], Story()
    producer = Producer(transactional_producer_config(infra.bootstrap, f"test-{uuid.uuid4()}"))
    producer.init_transactions(30)
    relay_batch(producer, topic, aborted, commit=False)
    relay_batch(producer, topic, [committed], commit=True)
    reader = Consumer({"bootstrap.servers": infra.bootstrap, "group.id": "watermarks"})
    try:  # two aborted events and their marker, the committed event and its marker
        assert watermarks(reader, TopicPartition(topic, 0))[1] == 5
    finally:
        reader.close()

    deadline = time.monotonic() + 60
    while not notified(sessions) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    # partition 0 is read in order: had the aborted events reached `notify`, their
    # notifications would be in first
    assert notified(sessions) == [(committed.provider, "REQUEST_RECEIVED")], log.read_text()[-3000:]
