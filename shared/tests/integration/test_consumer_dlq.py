"""Poison messages go to the consumer's dead-letter topic and the consumer goes on."""

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from hourbank_shared.consumer import ConsumerRunner, RetryPolicy
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.dlq import dead_letters, main, replay
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import dlq_topic, replay_topic
from hourbank_shared.testing.infra import Infra
from hourbank_shared.topic_reader import read_all, read_records


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


def topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    resource = ConfigResource(ResourceType.TOPIC, topic)
    configs = admin.describe_configs([resource])[resource].result(30)
    return {name: entry.value for name, entry in configs.items()}


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
    assert replay(infra.bootstrap, name, [letter.position]) == [letter]
    run_until(runner(), lambda: handled)
    assert handled == [sent.id]
    assert len(read_all(infra.bootstrap, topic, expected=1, timeout=10)) == 1


def test_dead_letters_are_listed_and_replayed_by_partition_and_offset_and_others_refused(
    infra: Infra, new_topic: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = new_topic("byoffset", partitions=1)
    name = f"offsettest{uuid.uuid4().hex[:8]}"
    sent = [registered(uuid.uuid4()) for _ in range(3)]
    producer = Producer({"bootstrap.servers": infra.bootstrap})
    for envelope in sent:
        producer.produce(topic, key=b"k", value=envelope.to_json())
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
            retry=RetryPolicy(max_attempts=1),
        )

    run_until(runner(), lambda: len(dead_letters(infra.bootstrap, name)) == 3)
    assert topic_config(infra.bootstrap, dlq_topic(name))["retention.ms"] == str(30 * 86_400_000)
    # Not dead letters: a message without dlq headers at 0:3, its transaction's marker at 0:4.
    stray = Producer({"bootstrap.servers": infra.bootstrap, "transactional.id": name})
    stray.init_transactions(30)
    stray.begin_transaction()
    stray.produce(dlq_topic(name), key=b"k", value=b"stray")
    stray.commit_transaction(30)

    cli = ["--bootstrap", infra.bootstrap]
    main(["list", name, *cli])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["0:0", "0:1", "0:2"]
    assert lines[-1] == f"3 dead letters on {dlq_topic(name)}"
    assert f"handler_failed  from {topic} 0:1  {MemberRegistered.TYPE}  {sent[1].id}" in lines[1]
    assert "downstream bug" in lines[1]

    with pytest.raises(SystemExit) as refused:
        main(["replay", name, "0:1", "0:3", "0:4", "0:99", "1:0", *cli])
    message = str(refused.value)
    assert "0:1 " not in message  # a dead letter: not refused, but not replayed either
    assert "0:3 holds a message without a dlq.reason header" in message
    assert "0:4 holds no record (a transaction marker or an aborted one)" in message
    assert "0:99 is past the end of partition 0 (its next offset is 5)" in message
    assert "1:0: there is no partition 1" in message
    assert message.endswith("nothing was replayed")
    with pytest.raises(SystemExit, match="is not <partition>:<offset>"):
        main(["replay", name, "0-1", *cli])
    assert read_records(infra.bootstrap, replay_topic(name), expected=0, timeout=10) == []

    broken = False
    main(["replay", name, "0:1", *cli])
    assert capsys.readouterr().out.strip().endswith(f"{replay_topic(name)}: 0:1")
    run_until(runner(), lambda: handled)
    assert handled == [sent[1].id]

    main(["replay", name, "--all", *cli])
    assert capsys.readouterr().out.strip().endswith(": 0:0 0:1 0:2")
    run_until(runner(), lambda: len(handled) == 4)
    assert sorted(handled) == sorted([sent[1].id, *(envelope.id for envelope in sent)])
