"""A busy relay gathers the rows written meanwhile into one Kafka transaction."""

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from hourbank_shared.envelope import Envelope
from hourbank_shared.outbox import OutboxRecord, SqlOutboxStore, add
from hourbank_shared.relay.core import Relay, RelayConfig
from hourbank_shared.settings import libpq_url
from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.pg import PgStore
from hourbank_shared.topic_reader import read_all

from .test_relay_crash import assert_exactly_once_in_order, wait_until_drained

pytestmark = pytest.mark.integration
EVENTS = 100
COALESCE = 0.1


def write_one_at_a_time(store: PgStore, topic: str, pause: float, events: int = EVENTS) -> None:
    """`events` transactions of one event each, on one key, `pause` apart."""
    for seq in range(events):
        with store.sessions.begin() as session:
            envelope = Envelope(
                source="/hourbank/test",
                type="hourbank.test.pinged.v1",
                subject="k0",
                time=datetime.now(UTC),
                data={"key": "k0", "seq": seq},
                correlationid=uuid.uuid4(),
            )
            add(session, store.outbox_table, envelope, topic=topic, key="k0")
        time.sleep(pause)


def batches_while_writing(
    infra: Infra, database_url: str, topic: str, events: int, pause: float, **spacing: float
) -> tuple[float, float]:
    """A relay with these spacing settings publishes `events` rows written one at a time,
    `pause` apart, each once and in order: its Kafka transactions, and the seconds from the
    first write until the outbox was drained."""
    store = PgStore(database_url)
    name = f"coalesce{uuid.uuid4().hex[:8]}"
    config = RelayConfig(name, infra.bootstrap, libpq_url(database_url), **spacing)  # type: ignore[arg-type]
    relay = Relay(config, SqlOutboxStore(store.sessions, store.outbox_table))
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        started = time.monotonic()
        write_one_at_a_time(store, topic, pause, events)
        wait_until_drained(store, 60)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(30)
        store.close()
    batches = REGISTRY.get_sample_value("hourbank_relay_batch_seconds_count", {"relay": name})
    assert batches is not None
    assert_exactly_once_in_order(read_all(infra.bootstrap, topic, events, timeout=30), events)
    return batches, elapsed


def test_a_busy_relay_publishes_rows_written_meanwhile_in_one_transaction(
    infra: Infra, database_url: str, new_topic
) -> None:
    topic = new_topic("relay-coalesce", partitions=1)
    batches, elapsed = batches_while_writing(
        infra, database_url, topic, EVENTS, pause=0.01, coalesce=COALESCE
    )
    # A batch begins at least COALESCE after the previous one, unless an empty poll came
    # between them: at most two per COALESCE. Without coalescing it is about one per row.
    assert batches <= 2 * elapsed / COALESCE + 2, (batches, elapsed)


def test_under_load_the_batches_space_out_up_to_coalesce_max(
    infra: Infra, database_url: str, new_topic
) -> None:
    topic = new_topic("relay-spacing", partitions=1)
    batches, elapsed = batches_while_writing(
        infra, database_url, topic, 200, pause=0.002, coalesce=0.02, coalesce_max=0.2
    )
    # A fixed 20 ms would take about elapsed / 0.02 transactions. Growing with the batches,
    # the spacing reaches 0.2 s after a few: at most about two per 0.2 s, and the ramp.
    assert batches <= 2 * elapsed / 0.2 + 6, (batches, elapsed)
    assert batches < elapsed / 0.02 / 2, (batches, elapsed)


class CountingStore(SqlOutboxStore):
    """The relay's store, counting how often the relay looks at the table."""

    looks = 0

    def pending(self, limit: int) -> list[OutboxRecord]:
        self.looks += 1
        return super().pending(limit)


def test_an_idle_relay_does_not_query_and_still_publishes_a_new_row_at_once(
    infra: Infra, database_url: str, new_topic
) -> None:
    topic = new_topic("relay-idle", partitions=1)
    store = PgStore(database_url)
    name = f"idle{uuid.uuid4().hex[:8]}"
    config = RelayConfig(name, infra.bootstrap, libpq_url(database_url))
    counting = CountingStore(store.sessions, store.outbox_table)
    relay = Relay(config, counting)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while counting.looks == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        idle_from = counting.looks
        time.sleep(4)
        assert counting.looks == idle_from, "the idle relay queried the outbox"
        write_one_at_a_time(store, topic, pause=0, events=1)
        started = time.monotonic()
        wait_until_drained(store, 10)
        assert time.monotonic() - started < 2
    finally:
        stop.set()
        thread.join(30)
        store.close()
    assert not thread.is_alive(), "the relay did not stop within its wait"
