"""The relay publishes every outbox event exactly once, in order per key, while killed."""

import contextlib
import json
import os
import random
import signal
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from hourbank_shared.envelope import Envelope
from hourbank_shared.outbox import SqlOutboxStore, add
from hourbank_shared.relay.core import Relay, RelayConfig
from hourbank_shared.settings import libpq_url
from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.pg import PgStore
from hourbank_shared.testing.processes import start_relay
from hourbank_shared.topic_reader import read_all

EVENTS = int(os.environ.get("HOURBANK_CRASH_EVENTS", "3000"))
KEYS = 60
KILLS = int(os.environ.get("HOURBANK_CRASH_KILLS", "25"))


def write_events(store: PgStore, topic: str, total: int, pause: float) -> None:
    """Transactions of 1–20 events over many keys; per key, `seq` counts up from 0."""
    seq: dict[str, int] = defaultdict(int)
    written = 0
    while written < total:
        size = min(random.randint(1, 20), total - written)
        with store.sessions.begin() as session:
            for _ in range(size):
                key = f"k{random.randrange(KEYS)}"
                envelope = Envelope(
                    source="/hourbank/test",
                    type="hourbank.test.pinged.v1",
                    subject=key,
                    time=datetime.now(UTC),
                    data={"key": key, "seq": seq[key]},
                    correlationid=uuid.uuid4(),
                )
                seq[key] += 1
                add(session, store.outbox_table, envelope, topic=topic, key=key)
        written += size
        time.sleep(pause)


def assert_exactly_once_in_order(
    records: list[tuple[str, bytes, list[tuple[str, bytes]]]], total: int
) -> None:
    ids = [Envelope.from_json(value).id for _, value, _ in records]
    duplicates = len(ids) - len(set(ids))
    assert duplicates == 0, f"{duplicates} duplicate event ids on the topic"
    assert len(ids) == total, f"{total - len(ids)} events missing"
    last: dict[str, int] = {}
    for key, value, _ in records:
        data = json.loads(value)["data"]
        assert data["key"] == key
        assert data["seq"] == last.get(key, -1) + 1, f"key {key} out of order at {data['seq']}"
        last[key] = data["seq"]


def wait_until_active(log: Path, starts: int, timeout: float = 60.0) -> None:
    """Wait until the relay logged its n-th start as the active instance."""
    deadline = time.monotonic() + timeout
    while log.read_text().count(" active") < starts:
        assert time.monotonic() < deadline, "relay did not become active"
        time.sleep(0.02)


def wait_until_drained(store: PgStore, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while store.pending(1):
        assert time.monotonic() < deadline, "outbox not drained"
        time.sleep(0.2)


def test_relay_killed_at_random_publishes_each_event_once_in_key_order(
    infra: Infra, database_url: str, new_topic, tmp_path: Path
) -> None:
    topic = new_topic("relay-crash", partitions=6)
    store = PgStore(database_url)
    name = f"crash{uuid.uuid4().hex[:8]}"
    log = tmp_path / "relay.log"
    writer = threading.Thread(target=write_events, args=(store, topic, EVENTS, 0.1))
    relay = start_relay(name, database_url, infra.bootstrap, log, batch_size=40)
    writer.start()
    kills = 0
    try:
        while kills < KILLS:
            wait_until_active(log, starts=kills + 1)
            time.sleep(random.uniform(0.0, 0.6))
            relay.send_signal(signal.SIGKILL)
            relay.wait()
            kills += 1
            relay = start_relay(name, database_url, infra.bootstrap, log, batch_size=40)
        writer.join()
        wait_until_drained(store)
    finally:
        relay.terminate()
        relay.wait(30)
        store.close()
    records = read_all(infra.bootstrap, topic, EVENTS)
    text = log.read_text()
    recovered = text.count("were not yet marked") - text.count(", 0 were not yet marked")
    print(
        f"{kills} SIGKILLs, {text.count(' active')} relay starts reached active, "
        f"{recovered} recoveries of a published but unmarked batch, {len(records)} records read"
    )
    assert kills >= 20
    assert_exactly_once_in_order(records, EVENTS)


class DiesAfterPublishing(SqlOutboxStore):
    """Raises instead of marking the first batch: the relay 'dies' after the Kafka commit."""

    died = False

    def mark_published(self, ids: list[int]) -> int:
        if not self.died:
            self.died = True
            raise SystemExit("killed between publishing and marking")
        return super().mark_published(ids)


def run_until_drained(relay: Relay, store: PgStore) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        wait_until_drained(store, 60)
    finally:
        stop.set()
        thread.join(30)


def test_a_batch_published_but_not_marked_is_not_published_again(
    infra: Infra, database_url: str, new_topic
) -> None:
    topic = new_topic("relay-window", partitions=2)
    store = PgStore(database_url)
    write_events(store, topic, 30, 0)
    config = RelayConfig(f"window{uuid.uuid4().hex[:8]}", infra.bootstrap, libpq_url(database_url))
    dying = DiesAfterPublishing(store.sessions, store.outbox_table)
    try:
        with contextlib.suppress(SystemExit):
            Relay(config, dying).run(threading.Event())
        assert dying.died
        assert len(store.pending(100)) == 30, "the batch must still look unpublished"
        run_until_drained(Relay(config, SqlOutboxStore(store.sessions, store.outbox_table)), store)
    finally:
        store.close()
    assert_exactly_once_in_order(read_all(infra.bootstrap, topic, 30, timeout=30), 30)


def test_a_second_relay_stands_by_until_the_active_one_dies(
    infra: Infra, database_url: str, new_topic, tmp_path: Path
) -> None:
    topic = new_topic("relay-standby", partitions=2)
    store = PgStore(database_url)
    name = f"standby{uuid.uuid4().hex[:8]}"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_relay(name, database_url, infra.bootstrap, first_log)
    wait_until_active(first_log, starts=1)
    second = start_relay(name, database_url, infra.bootstrap, second_log)
    try:
        deadline = time.monotonic() + 30
        while "standing by" not in second_log.read_text():
            assert time.monotonic() < deadline, "the second relay never stood by"
            time.sleep(0.1)
        assert " active" not in second_log.read_text()
        first.send_signal(signal.SIGKILL)
        first.wait()
        wait_until_active(second_log, starts=1)
        write_events(store, topic, 50, 0)
        wait_until_drained(store, 60)
    finally:
        for relay in (first, second):
            relay.kill()
            relay.wait(30)
        store.close()
    assert_exactly_once_in_order(read_all(infra.bootstrap, topic, 50, timeout=30), 50)
