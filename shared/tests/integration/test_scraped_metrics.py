"""Gauges read on scrape against the real broker and database: consumer lag, waiting dead
letters, the outbox backlog."""

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from confluent_kafka import Producer
from sqlalchemy import text, update

from hourbank_shared.consumer import ConsumerRunner
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.dlq import Position, replay
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka_lag import Watched, consumer_lag, dead_letters
from hourbank_shared.kafka_offsets import AdminOffsets, ReplayReader
from hourbank_shared.outbox import add
from hourbank_shared.relay.metrics import outbox_backlog
from hourbank_shared.scraped import ReadOnScrape, scrape_engine
from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.pg import PgStore
from hourbank_shared.testing.processes import consumer_running

pytestmark = pytest.mark.integration


def registered() -> Envelope:
    event = MemberRegistered(
        member_id=uuid.uuid4(),
        display_name="Ada",
        roles=["member"],
        registered_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="/hourbank/test")


def samples(collector: ReadOnScrape) -> dict[tuple[str, ...], float]:
    return {
        tuple(sample.labels.values()): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def eventually(read: Callable[[], Any], wanted: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    seen = read()
    while seen != wanted and time.monotonic() < deadline:
        time.sleep(0.25)
        seen = read()
    return seen


def test_lag_is_the_whole_partition_until_the_group_consumed_it_then_0(
    infra: Infra, new_topic: Any
) -> None:
    topic = new_topic("lag", partitions=2)
    # in Kafka transactions, as the relays publish: each batch leaves a marker behind it
    producer = Producer({"bootstrap.servers": infra.bootstrap, "transactional.id": topic})
    producer.init_transactions(30)
    for _ in range(3):
        producer.begin_transaction()
        for partition in (0, 1):
            producer.produce(topic, registered().to_json(), partition=partition)
        producer.commit_transaction(30)
    group = f"lagtest{uuid.uuid4().hex[:8]}"
    lag = consumer_lag(AdminOffsets(infra.bootstrap), [Watched(group, (topic,), group)], 0)

    # 3 records and 3 transaction markers in each partition, nothing consumed
    assert samples(lag) == {(group, topic, "0"): 6, (group, topic, "1"): 6}

    handled: list[Envelope] = []
    runner = ConsumerRunner(
        name=group,
        bootstrap=infra.bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: lambda envelope, _: handled.append(envelope)},
    )
    with consumer_running(runner):
        caught_up = {(group, topic, "0"): 0, (group, topic, "1"): 0}
        assert eventually(lambda: samples(lag), caught_up) == caught_up
    assert len(handled) == 6


def test_dead_letters_wait_until_replayed(infra: Infra, new_topic: Any) -> None:
    topic = new_topic("dlqgauge", partitions=1)
    name = f"dlqgauge{uuid.uuid4().hex[:8]}"
    producer = Producer({"bootstrap.servers": infra.bootstrap})
    for _ in range(3):
        producer.produce(topic, b"{not json")
    producer.produce(topic, registered().to_json())
    producer.flush(10)
    handled: list[Envelope] = []
    runner = ConsumerRunner(
        name=name,
        bootstrap=infra.bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: lambda envelope, _: handled.append(envelope)},
    )
    with consumer_running(runner):
        assert eventually(lambda: len(handled), 1) == 1
    offsets = AdminOffsets(infra.bootstrap)
    waiting = dead_letters(offsets, ReplayReader(infra.bootstrap), [name], cache_seconds=0)
    assert samples(waiting) == {(name,): 3}

    replay(infra.bootstrap, name, [Position(0, 0), Position(0, 2)])

    assert samples(waiting) == {(name,): 1}
    assert samples(waiting) == {(name,): 1}  # the replay topic is read on, not again


def backlog(database_url: str) -> dict[str, float]:
    """The relay's outbox gauges as a fresh scrape reads them (a new collector: no cache)."""
    collector = outbox_backlog("testrelay", scrape_engine(database_url))
    return {family.name: family.samples[0].value for family in collector.collect()}


def test_outbox_backlog_counts_unpublished_rows_and_the_oldest_ones_age(database_url: str) -> None:
    store = PgStore(database_url)
    nothing = {"hourbank_outbox_pending": 0, "hourbank_outbox_oldest_pending_age_seconds": 0}
    assert backlog(database_url) == nothing

    with store.sessions.begin() as session:
        for _ in range(3):
            add(session, store.outbox_table, registered(), topic="t", key="k")
    outbox = store.outbox_table
    with store.sessions.begin() as session:
        first = session.execute(text("SELECT min(id) FROM outbox")).scalar()
        older = update(outbox).where(outbox.c.id == first)
        session.execute(older.values(created_at=text("now() - interval '90 seconds'")))

    found = backlog(database_url)
    assert found["hourbank_outbox_pending"] == 3
    assert 90 <= found["hourbank_outbox_oldest_pending_age_seconds"] < 120

    store.mark_published([record.id for record in store.pending(10)])
    assert backlog(database_url) == nothing
    store.close()
