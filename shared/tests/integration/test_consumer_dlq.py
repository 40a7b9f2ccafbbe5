"""Poison messages go to the consumer's dead-letter topic and the consumer goes on."""

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Producer

from hourbank_shared.consumer import ConsumerRunner, RetryPolicy
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.dlq import dead_letters, replay
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import dlq_topic
from hourbank_shared.testing.infra import Infra
from hourbank_shared.topic_reader import read_all


def registered(member_id: uuid.UUID) -> Envelope:
    event = MemberRegistered(
        member_id=member_id, display_name="Ada", roles=["member"], registered_at=datetime.now(UTC)
    )
    return Envelope.wrap(event, source="/hourbank/test")


def test_poison_messages_are_dead_lettered_with_the_reason_and_the_rest_is_handled(
    infra: Infra, new_topic: Any
) -> None:
    topic = new_topic("dlq", partitions=1)
    name = f"dlqtest{uuid.uuid4().hex[:8]}"
    failing, good = uuid.uuid4(), uuid.uuid4()
    schema_invalid = registered(uuid.uuid4()).model_copy(update={"data": {"member_id": "nope"}})
    unknown = registered(uuid.uuid4()).model_copy(update={"type": "hourbank.nothing.happened.v1"})
    producer = Producer({"bootstrap.servers": infra.bootstrap})
    for value in (
        b"{not json",
        unknown.to_json(),
        schema_invalid.to_json(),
        registered(failing).to_json(),
        registered(good).to_json(),
    ):
        producer.produce(topic, key=b"k", value=value)
    producer.flush(10)

    handled: list[uuid.UUID] = []
    attempts: list[uuid.UUID] = []

    def handle(envelope: Envelope, event: MemberRegistered) -> None:
        attempts.append(event.member_id)
        if event.member_id == failing:
            raise ValueError("cannot handle this one")
        handled.append(event.member_id)

    runner = ConsumerRunner(
        name=name,
        bootstrap=infra.bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: handle},
        retry=RetryPolicy(max_attempts=3, first_backoff=0.01),
    )
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 60
    while not handled and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(30)

    assert handled == [good]
    assert attempts.count(failing) == 3
    dead = read_all(infra.bootstrap, dlq_topic(name), expected=4, timeout=30)
    reasons = [dict(headers)["dlq.reason"].decode() for _, _, headers in dead]
    assert reasons == ["unparseable", "unknown_type", "schema_invalid", "handler_failed"]
    first = dict(dead[0][2])
    assert first["dlq.topic"].decode() == topic
    assert first["dlq.offset"].decode() == "0"
    assert dead[0][1] == b"{not json"
    assert "member_id" in dict(dead[2][2])["dlq.error"].decode()
    assert "cannot handle this one" in dict(dead[3][2])["dlq.error"].decode()


def run_until(runner: ConsumerRunner, done: Any, timeout: float = 60) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(30)


def test_a_replayed_dead_letter_is_handled_by_its_consumer_only(
    infra: Infra, new_topic: Any
) -> None:
    topic = new_topic("replay", partitions=1)
    name = f"replaytest{uuid.uuid4().hex[:8]}"
    member = uuid.uuid4()
    sent = registered(member)
    producer = Producer({"bootstrap.servers": infra.bootstrap})
    producer.produce(topic, key=b"k", value=sent.to_json())
    producer.flush(10)
    broken = True
    handled: list[uuid.UUID] = []

    def handle(envelope: Envelope, event: MemberRegistered) -> None:
        if broken:
            raise RuntimeError("downstream bug")
        handled.append(envelope.id)

    def runner() -> ConsumerRunner:
        return ConsumerRunner(
            name=name,
            bootstrap=infra.bootstrap,
            topics=[topic],
            routes={MemberRegistered.TYPE: handle},
            retry=RetryPolicy(max_attempts=2, first_backoff=0.01),
        )

    run_until(runner(), lambda: dead_letters(infra.bootstrap, name))
    [letter] = dead_letters(infra.bootstrap, name)
    assert letter.header("dlq.reason") == "handler_failed"
    assert letter.header("dlq.event_id") == str(sent.id)

    broken = False
    assert replay(infra.bootstrap, name) == 1
    run_until(runner(), lambda: handled)
    assert handled == [sent.id]
    assert len(read_all(infra.bootstrap, topic, expected=1, timeout=10)) == 1
