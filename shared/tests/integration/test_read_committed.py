"""An aborted relay transaction never reaches a handler; the committed one after it does."""

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition

from hourbank_shared.consumer import ConsumerRunner
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import transactional_producer_config
from hourbank_shared.relay import checkpoint
from hourbank_shared.testing.infra import Infra


def registered() -> Envelope:
    event = MemberRegistered(
        member_id=uuid.uuid4(),
        display_name="Ada",
        roles=["member"],
        registered_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="/hourbank/test")


def relay_batch(
    producer: Producer, topic: str, checkpoints: str, batch: list[Envelope], *, commit: bool
) -> None:
    """What a relay does with one batch: events and checkpoint in one transaction."""
    producer.begin_transaction()
    for envelope in batch:
        producer.produce(
            topic, key=str(envelope.id).encode(), value=envelope.to_json(), partition=0
        )
    producer.produce(checkpoints, key=b"test", value=checkpoint.encode("test", [1, 2]))
    producer.flush(30)  # on the broker before the end of the transaction, aborted or not
    if commit:
        producer.commit_transaction(30)
    else:
        producer.abort_transaction(30)


def uncommitted_ids(bootstrap: str, topic: str, count: int) -> list[str]:
    """The first `count` event ids on partition 0 as a read_uncommitted reader sees them."""
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"uncommitted-{uuid.uuid4().hex}",
            "isolation.level": "read_uncommitted",
        }
    )
    reader.assign([TopicPartition(topic, 0, 0)])
    ids: list[str] = []
    deadline = time.monotonic() + 30
    try:
        while len(ids) < count and time.monotonic() < deadline:
            message = reader.poll(0.5)
            if message is not None and message.error() is None:
                ids.append(str(Envelope.from_json(message.value() or b"").id))
        return ids
    finally:
        reader.close()


def test_the_consumer_runner_never_hands_an_aborted_event_to_its_handler(
    infra: Infra, new_topic: Any
) -> None:
    topic = new_topic("committed", partitions=1)
    checkpoints = new_topic("committed.checkpoints", partitions=1)
    aborted, committed = [registered(), registered()], [registered()]
    producer = Producer(transactional_producer_config(infra.bootstrap, f"test-{uuid.uuid4()}"))
    producer.init_transactions(30)
    relay_batch(producer, topic, checkpoints, aborted, commit=False)
    relay_batch(producer, topic, checkpoints, committed, commit=True)
    # the aborted events are on the partition, ahead of the committed one
    expected = [str(envelope.id) for envelope in aborted + committed]
    assert uncommitted_ids(infra.bootstrap, topic, 3) == expected

    handled: list[uuid.UUID] = []
    runner = ConsumerRunner(
        name=f"readcommitted{uuid.uuid4().hex[:8]}",
        bootstrap=infra.bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: lambda envelope, event: handled.append(envelope.id)},
    )
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not handled and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(30)
    # one partition, read in order: had the aborted events been delivered, they would be first
    assert handled == [committed[0].id]
