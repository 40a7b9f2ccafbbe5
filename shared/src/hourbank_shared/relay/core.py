"""The outbox relay: publishes a service's outbox exactly once, in order per key.

Each batch is produced in one Kafka transaction together with a checkpoint record naming
the batch's outbox ids; only after that commit are the rows marked published. If the relay
dies between the two, the next instance (after fencing the old one with the same
transactional.id) reads the checkpoint and marks those rows instead of publishing them again.
Pending rows are selected by `published_at IS NULL`, never by a high-water mark, so a row
whose transaction commits late, with a lower id, is still published.
The checkpoint topic is part of the relay's state: deleting it by hand loses the record of
the last batch, which could then be published a second time after a crash.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

import psycopg
from confluent_kafka import KafkaException, Producer

from hourbank_shared.heartbeat import Heartbeat
from hourbank_shared.kafka import (
    checkpoint_spec,
    checkpoint_topic,
    transactional_id,
    transactional_producer_config,
)
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.message_tracing import publishing_batch
from hourbank_shared.outbox import NOTIFY_CHANNEL, OutboxRecord, SqlOutboxStore
from hourbank_shared.relay import checkpoint, metrics
from hourbank_shared.topics import create_missing_topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayConfig:
    name: str
    bootstrap: str
    database_url: str = field(repr=False)
    """libpq URL, used for the advisory lock and LISTEN; a secret (its password)."""
    batch_size: int = 500
    idle_sweep: float = 30.0
    """An idle relay waits for a NOTIFY (every outbox insert sends one at commit) and looks at
    the table only when one arrives, or after this long without one (a safety net: nothing
    known loses a NOTIFY while the LISTEN connection lives). Waiting costs no query."""
    coalesce: float = 0.02
    """While busy, a batch starts at least this long after the previous one began for each row
    the previous one held (`spacing`), so rows written meanwhile share its Kafka transaction:
    each transaction costs the broker a coordinator round and a marker per partition, and
    wakes every consumer of its topics. An idle relay publishes a new row at once."""
    coalesce_max: float = 0.2
    """The longest spacing: how long a row written just after a batch began may wait for the
    next one under load."""
    retention_seconds: float = 3600.0
    purge_every_seconds: float = 60.0
    kafka_timeout: float = 30.0
    security: KafkaSecurity | None = None
    """How it authenticates to Kafka; None: the `HOURBANK_KAFKA_…` settings."""


HEARTBEAT_WINDOW_SECONDS = 120.0
"""Longer than the Kafka calls a start or a batch may chain (each `kafka_timeout`, 30 s)."""


class Relay:
    def __init__(
        self, config: RelayConfig, store: SqlOutboxStore, heartbeat: Heartbeat | None = None
    ) -> None:
        self._config = config
        self._store = store
        self.heartbeat = heartbeat or Heartbeat(f"relay {config.name}", HEARTBEAT_WINDOW_SECONDS)
        """Beats on every batch and idle wait, and every second while standing by."""
        self._topic = checkpoint_topic(config.name)
        self._last_purge = 0.0
        self._published_since_purge = 1  # rows of an earlier run may be due

    def run(self, stop: threading.Event) -> None:
        """Hold the service's relay lock, recover, then publish until stopped."""
        with psycopg.connect(self._config.database_url, autocommit=True) as listener:
            self._wait_for_lock(listener, stop)
            if stop.is_set():
                return
            listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            config = self._config
            spec = checkpoint_spec(config.name)
            create_missing_topics(config.bootstrap, [spec], security=config.security)
            producer = Producer(
                transactional_producer_config(
                    config.bootstrap, transactional_id(config.name), config.security
                )
            )
            # Fences any earlier instance and aborts its open transaction, so the
            # checkpoint read below sees the final committed state.
            producer.init_transactions(self._config.kafka_timeout)
            self._recover()
            log.info("relay %s active", self._config.name)
            metrics.ACTIVE.labels(config.name).set(1)  # back to 0 by run_relay when it returns
            self.heartbeat.recovered()
            while not stop.is_set():
                self.heartbeat.beat()
                began = time.monotonic()
                published = self._publish_batch(producer)
                self._purge_if_due(published)
                if published < self._config.batch_size:
                    self._wait_for_rows(listener, stop)
                    if published:
                        spacing = self.spacing(published)
                        stop.wait(max(0.0, spacing - (time.monotonic() - began)))

    def spacing(self, published: int) -> float:
        """How long after a batch of `published` rows began the next may begin.

        Rows arriving at λ per second fill the next batch with about λ × spacing rows. While
        λ × `coalesce` stays below one row (2 lifecycles/s: the batches hold one row), the
        spacing stays `coalesce`, and a row waits at most that long. Above it the batches
        grow, and with them the spacing, up to `coalesce_max`: the Kafka transactions per
        second level off however fast rows arrive, and so do the wake-ups of the consumers.
        """
        return min(self._config.coalesce_max, self._config.coalesce * published)

    def _wait_for_lock(self, listener: psycopg.Connection, stop: threading.Event) -> None:
        key = f"hourbank-relay:{self._config.name}"
        while not stop.is_set():
            row = listener.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)
            ).fetchone()
            self.heartbeat.recovered()
            if row and row[0]:
                return
            log.info("relay %s standing by: another instance holds the lock", self._config.name)
            self.heartbeat.wait(stop, 2.0)

    def _recover(self) -> None:
        ids = checkpoint.last_checkpoint(
            self._config.bootstrap, self._topic, self._config.kafka_timeout, self._config.security
        )
        if ids:
            marked = self._store.mark_published(ids)
            log.info(
                "relay %s recovered: last batch had %d events, %d were not yet marked",
                self._config.name,
                len(ids),
                marked,
            )

    def _publish_batch(self, producer: Producer) -> int:
        records = self._store.pending(self._config.batch_size)
        if not records:
            return 0
        started = time.perf_counter()
        ids = [record.id for record in records]
        produced_by = [record.headers.get("traceparent") for record in records]
        with publishing_batch(self._config.name, produced_by):
            producer.begin_transaction()
            try:
                for record in records:
                    _produce(producer, record)
                producer.produce(
                    self._topic,
                    key=self._config.name,
                    value=checkpoint.encode(self._config.name, ids),
                )
                producer.commit_transaction(self._config.kafka_timeout)
            except KafkaException:
                _abort_quietly(producer, self._config.kafka_timeout)
                raise
            self._store.mark_published(ids)
        metrics.PUBLISHED.labels(self._config.name).inc(len(records))
        metrics.BATCH_SECONDS.labels(self._config.name).observe(time.perf_counter() - started)
        return len(records)

    def _wait_for_rows(self, listener: psycopg.Connection, stop: threading.Event) -> None:
        """Until a NOTIFY arrives (at once if one came meanwhile), the sweep is due or `stop`:
        the connection's socket is watched, the database is not queried."""
        until = time.monotonic() + self._config.idle_sweep
        while not stop.is_set() and (left := until - time.monotonic()) > 0:
            self.heartbeat.beat()
            for _ in listener.notifies(timeout=min(left, 1.0), stop_after=1):
                return

    def _purge_if_due(self, published: int) -> None:
        """Delete rows past retention at most every `purge_every_seconds`, and only while
        there is something to purge (an idle relay leaves the table alone)."""
        self._published_since_purge += published
        now = time.monotonic()
        if (
            self._published_since_purge
            and now - self._last_purge >= self._config.purge_every_seconds
        ):
            self._last_purge = now
            self._published_since_purge = 0
            self._store.purge_published(self._config.retention_seconds)


def _produce(producer: Producer, record: OutboxRecord) -> None:
    while True:
        try:
            producer.produce(
                record.topic,
                key=record.key.encode(),
                value=record.payload,
                headers=[(k, v.encode()) for k, v in record.headers.items()],
            )
            return
        except BufferError:
            producer.poll(0.1)


def _abort_quietly(producer: Producer, timeout: float) -> None:
    try:
        producer.abort_transaction(timeout)
    except KafkaException:
        log.warning("abort_transaction failed; the next instance's fencing will abort it")
