"""The machine's own limits, measured beside the load: the broker's produce → consume latency,
PostgreSQL's transactions per second (pgbench on the same server), and the commits and Kafka
records the system writes (so a lifecycle's cost can be counted)."""

import re
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from hourbank_shared.kafka import TopicSpec, base_config, delete_topics, ensure_topics, watermarks
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.settings import redacted_url
from hourbank_shared.startup import built_or_exit


def kafka_settings_or_exit() -> None:
    """Stop, saying what is wrong, if the `HOURBANK_KAFKA_…` settings every client here uses
    cannot work."""
    built_or_exit(KafkaSecurity)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Receiver(threading.Thread):
    """A read_committed consumer recording, per message, arrival time minus sent time."""

    def __init__(self, bootstrap: str, topic: str, sent_at: Callable[[bytes], float]) -> None:
        super().__init__(daemon=True)
        self.latencies: list[float] = []
        self.count = 0
        self.first_at = 0.0
        self._sent_at = sent_at
        self._halt = threading.Event()
        group = f"bench-{uuid.uuid4().hex}"
        self._consumer = Consumer(
            {
                **base_config(bootstrap, group),
                "group.id": group,
                "isolation.level": "read_committed",
                "fetch.wait.max.ms": 5,
                "enable.auto.commit": False,
            }
        )
        partitions = self._consumer.list_topics(topic, timeout=10).topics[topic].partitions
        self._consumer.assign([TopicPartition(topic, p, 0) for p in partitions])

    def run(self) -> None:
        while not self._halt.is_set():
            message = self._consumer.poll(0.1)
            if message is None or message.error():
                continue
            self.latencies.append((time.time() - self._sent_at(message.value() or b"")) * 1000)
            self.count += 1
            self.first_at = self.first_at or time.perf_counter()
        self._consumer.close()

    def wait_for(self, total: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.count < total and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._halt.set()
        self.join(10)


def paced(count: int, rate: float, send: Callable[[int], None]) -> None:
    start = time.perf_counter()
    for n in range(count):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        send(n)


def broker_latency(bootstrap: str, count: int, rate: float) -> list[float]:
    """Milliseconds from produce (acks=all) to a read_committed consumer, at `rate` per second."""
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [TopicSpec(topic, 6)])
    receiver = Receiver(bootstrap, topic, lambda value: float(value))
    receiver.start()
    producer = Producer({**base_config(bootstrap, "bench"), "acks": "all", "linger.ms": 0})

    def send(n: int) -> None:
        producer.produce(topic, key=str(n % 60).encode(), value=repr(time.time()).encode())
        producer.poll(0)

    send(-1)  # warm-up: timing starts once the consumer has fetched one message
    producer.flush(30)
    receiver.wait_for(1, timeout=60)
    receiver.latencies.clear()
    paced(count, rate, send)
    producer.flush(30)
    receiver.wait_for(count + 1)
    receiver.stop()
    producer.flush(5)
    delete_topics(bootstrap, [topic])
    return receiver.latencies


def pgbench(admin_url: str, seconds: int = 10, clients: int = 4) -> dict[str, float]:
    """TPC-B-like write transactions per second (pgbench -N: no branch/teller hot rows) on a
    scratch database of the same server, dropped afterwards."""
    binary = _pg_binary("pgbench")
    database = f"pgbench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{database}"
    try:
        subprocess.run([binary, "-i", "-q", "-s", "4", url], check=True, capture_output=True)
        run = subprocess.run(
            [binary, "-N", "-T", str(seconds), "-c", str(clients), "-j", "2", url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as failed:
        # its message would show the command line, and the URL's password with it
        raise RuntimeError(
            f"pgbench on {redacted_url(url)} failed ({failed.returncode}): {failed.stderr!r}"
        ) from None
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    tps = re.search(r"tps = ([0-9.]+)", run.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", run.stdout)
    return {
        "tps": float(tps.group(1)) if tps else 0.0,
        "latency_avg_ms": float(latency.group(1)) if latency else 0.0,
        "clients": clients,
        "seconds": seconds,
    }


def _pg_binary(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"{name} not found (Debian's postgresql-client)")
    return str(found[-1])


def database_commits(admin_url: str) -> int:
    """Committed transactions in HourBank's databases so far (pg_stat_database)."""
    query = "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname LIKE 'hourbank_%'"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    return int(row[0] or 0) if row else 0


def _partitions(bootstrap: str, prefix: str) -> list[TopicPartition]:
    """Every partition of the topics whose names start with `prefix`."""
    admin = AdminClient(base_config(bootstrap, "hourbank-baselines"))
    topics = admin.list_topics(timeout=10).topics
    return [
        TopicPartition(name, p)
        for name, meta in topics.items()
        if name.startswith(prefix)
        for p in meta.partitions
    ]


def kafka_records(bootstrap: str, prefix: str = "hourbank.") -> int:
    """The sum of end offsets of HourBank's topics (events, relay checkpoints, DLQs and
    transaction markers: every record the broker stored for us)."""
    group = f"ends-{uuid.uuid4().hex}"
    consumer = Consumer({**base_config(bootstrap, group), "group.id": group})
    try:
        return sum(watermarks(consumer, tp)[1] for tp in _partitions(bootstrap, prefix))
    finally:
        consumer.close()


def consumer_lag(
    bootstrap: str, groups: tuple[str, ...], prefix: str = "hourbank."
) -> dict[str, int]:
    """Records each consumer group still has to read on HourBank's topics, from its committed
    offsets (a partition it never committed on is not counted). A trailing transaction
    marker counts as one, so a caught-up group shows at most one per partition."""
    partitions = _partitions(bootstrap, prefix)
    lags: dict[str, int] = {}
    for group in groups:
        consumer = Consumer({**base_config(bootstrap, group), "group.id": group})
        try:
            lags[group] = sum(
                watermarks(consumer, tp)[1] - tp.offset
                for tp in consumer.committed(partitions, timeout=10)
                if tp.offset >= 0
            )
        finally:
            consumer.close()
    return lags
