"""The Kafka consumer loop: envelope → typed payload → handler, with retries and a DLQ.

Offsets are stored only after the handler returned (its database transaction, inbox claim
included, has committed), and committed in the background; a redelivery after a crash is
made harmless by the inbox. Failures of the infrastructure (database down) are retried
without limit; a message that fails on its own account goes to the dead-letter topic after
`max_attempts`, and parse or schema failures go there at once.
"""

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import psycopg
from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition
from opentelemetry.trace import Span
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from hourbank_shared import consumer_metrics as metrics
from hourbank_shared import saga_metrics, tracing
from hourbank_shared.batch import transaction_for_batch
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.catalog import UnknownEventType, event_class
from hourbank_shared.envelope import Envelope
from hourbank_shared.heartbeat import Heartbeat
from hourbank_shared.kafka import (
    consumer_config,
    dlq_topic,
    header_pairs,
    idempotent_producer_config,
    replay_topic,
    watermarks,
)
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.message_tracing import Delivery, consuming, record_outcome
from hourbank_shared.topics import consumer_topic_specs, create_missing_topics
from hourbank_shared.validation import describe_errors

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, Any], None]
"""Receives the envelope and its validated payload; runs one unit of work."""

BATCH_SIZE = 100
"""The most records one poll returns; the events among them share a database transaction."""

HEARTBEAT_WINDOW_SECONDS = 60.0
"""The longest one handler attempt may run before the consumer counts as stuck (`/healthz`)."""


class TransientError(Exception):
    """Raised by a handler for a failure that is not the message's fault: retried forever."""


TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
)


class Outcome(Enum):
    HANDLED = "handled"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class PoisonMessage(Exception):
    reason: str
    detail: str


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    first_backoff: float = 0.1
    max_backoff: float = 5.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.first_backoff * 2 ** (attempt - 1), self.max_backoff))


def dead_letter_headers(
    consumer: str,
    topic: str,
    partition: int,
    offset: int,
    reason: str,
    detail: str,
    attempts: int,
    envelope: Envelope | None = None,
) -> list[tuple[str, bytes]]:
    """What a dead letter says of itself, whichever client wrote it (`hourbank-dlq` reads it)."""
    headers = [
        ("dlq.reason", reason.encode()),
        ("dlq.error", detail.encode()[:4000]),
        ("dlq.consumer", consumer.encode()),
        ("dlq.topic", topic.encode()),
        ("dlq.partition", str(partition).encode()),
        ("dlq.offset", str(offset).encode()),
        ("dlq.attempts", str(attempts).encode()),
    ]
    if envelope is not None:
        headers += [
            ("dlq.event_id", str(envelope.id).encode()),
            ("dlq.event_type", envelope.type.encode()),
        ]
    return headers


def decode(value: bytes | None) -> tuple[Envelope, Event]:
    """Parse and validate; raises PoisonMessage saying what is wrong."""
    if value is None:
        raise PoisonMessage("unparseable", "empty message value")
    try:
        envelope = Envelope.from_json(value)
    except ValidationError as exc:
        raise PoisonMessage("unparseable", describe_errors(exc.errors(), "message")) from exc
    try:
        model = event_class(envelope.type)
    except UnknownEventType as exc:
        raise PoisonMessage("unknown_type", f"unknown event type {envelope.type!r}") from exc
    try:
        return envelope, envelope.payload(model)
    except ValidationError as exc:
        raise PoisonMessage(
            "schema_invalid", f"{envelope.type}: {describe_errors(exc.errors(), 'message')}"
        ) from exc


def _traceparent_header(message: Message) -> str | None:
    """The record's `traceparent` header (an envelope written without one may still have it)."""
    for name, value in header_pairs(message):
        if name == "traceparent":
            return value.decode(errors="replace")
    return None


class ConsumerRunner:
    def __init__(
        self,
        *,
        name: str,
        bootstrap: str,
        topics: Sequence[str],
        routes: Mapping[str, Handler],
        retry: RetryPolicy | None = None,
        instance_id: str | None = None,
        from_end: bool = False,
        security: KafkaSecurity | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """`from_end`: a group with no committed offset starts at the end of each partition
        instead of the beginning (tests on shared topics; a new analytics view). `security`:
        how it authenticates; None, the `HOURBANK_KAFKA_…` settings."""
        self.name = name
        self._topics = [*topics, replay_topic(name)]
        self._routes = routes
        self._retry = retry or RetryPolicy()
        self._dlq = dlq_topic(name)
        self._from_end = from_end
        self._batch_size = batch_size
        self.assigned = threading.Event()
        """Set once partitions are assigned (and positioned)."""
        self.heartbeat = Heartbeat(f"consumer {name}", HEARTBEAT_WINDOW_SECONDS)
        """Beats on every poll and while waiting to retry; quiet while a handler hangs."""
        self._bootstrap = bootstrap
        self._security = security
        self._consumer = Consumer(consumer_config(bootstrap, name, instance_id, security))
        self._producer = Producer(idempotent_producer_config(bootstrap, f"{name}-dlq", security))

    def run(self, stop: threading.Event) -> None:
        """Poll and process until `stop` is set, then leave the group cleanly."""
        specs = consumer_topic_specs(self.name)
        created = create_missing_topics(self._bootstrap, specs, security=self._security)
        self._await_metadata(created)
        self._consumer.subscribe(self._topics, on_assign=self._on_assign)
        try:
            while not stop.is_set():
                first = self._consumer.poll(0.5)
                self.heartbeat.beat()
                if first is None:
                    self._store_positions()
                    continue
                # what else is already fetched, without waiting: `consume` would wait until
                # it has the whole batch or its timeout passed
                messages = [first, *self._consumer.consume(self._batch_size - 1, 0)]
                self.process_batch(messages, stop)
        finally:
            self._consumer.close()
            self._producer.flush(10)

    def process_batch(self, messages: Sequence[Message], stop: threading.Event) -> None:
        """Handle what one poll returned, in order. The events this consumer handles share one
        database transaction (`hourbank_shared.batch`); records of types it does not handle are
        skipped unparsed; a broker error ends the run before it. Offsets are stored once the
        events before them are committed."""
        run: list[Message] = []
        for message in messages:
            error = message.error()
            if error is None:
                run.append(message)
                continue
            if not self._handle_run(run, stop):
                return
            run = []
            if error.fatal():
                raise RuntimeError(f"consumer {self.name}: {error}")
            log.warning("consumer %s: %s", self.name, error)
        self._handle_run(run, stop)

    def _skipped(self, message: Message) -> str | None:
        """The type of a record this consumer has no handler for, known from its `ce_type`
        header without parsing it; None for a record to parse and handle."""
        headers: list[tuple[str, bytes | str | None]] = message.headers() or []  # type: ignore[assignment]
        for name, value in headers:
            if name == "ce_type":
                kind = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
                return None if kind in self._routes else kind
        return None

    def _handle_run(self, run: Sequence[Message], stop: threading.Event) -> bool:
        """Handle `run` in one transaction, or one by one if that fails; False if interrupted."""
        if not run:
            return True
        skipped_types = [self._skipped(message) for message in run]
        handled = skipped_types.count(None)
        if handled > 1 and self._handled_together(run, skipped_types):
            self._store(run)
            return True
        for message, skipped in zip(run, skipped_types, strict=True):
            if skipped is not None:
                metrics.PROCESSED.labels(self.name, skipped, Outcome.IGNORED.value).inc()
            elif self.process(message, stop) is Outcome.INTERRUPTED:
                return False
            self._consumer.store_offsets(message=message)
        return True

    def _store(self, run: Sequence[Message]) -> None:
        last: dict[tuple[str, int], Message] = {}
        for message in run:
            last[(str(message.topic()), message.partition() or 0)] = message
        for message in last.values():
            self._consumer.store_offsets(message=message)

    def _handled_together(
        self, run: Sequence[Message], skipped_types: Sequence[str | None]
    ) -> bool:
        """True if every event of `run` was handled and the batch committed; False (nothing of
        it happened) on a poison message or any failure of a handler or of the commit.
        `skipped_types`: per record, its type if this consumer has no handler for it."""
        received: list[Received] = []
        ignored: list[str] = []
        for message, skipped in zip(run, skipped_types, strict=True):
            if skipped is not None:
                ignored.append(skipped)
                continue
            try:
                envelope, payload = decode(message.value())
            except PoisonMessage:
                return False  # one by one: it is dead-lettered with its reason
            handler = self._routes.get(envelope.type)
            if handler is None:
                ignored.append(envelope.type)
                continue
            delivery = Delivery(
                str(message.topic()), message.partition() or 0, message.offset() or 0, self.name
            )
            parent = envelope.traceparent or _traceparent_header(message)
            received.append(Received(delivery, envelope, payload, parent, handler))
        if not handle_together(self.name, received):
            return False
        for event_type in ignored:
            metrics.PROCESSED.labels(self.name, event_type, Outcome.IGNORED.value).inc()
        return True

    def _await_metadata(self, topics: Sequence[str], timeout: float = 10.0) -> None:
        """Wait until topics created a moment ago show in this client's metadata. A subscribed
        topic the first metadata answer does not know yet is looked up again only after
        `topic.metadata.refresh.interval.ms` (5 minutes): its partitions (a new replay topic's)
        would go unassigned, and a replayed dead letter unread, that long."""
        deadline = time.monotonic() + timeout
        missing = set(topics)
        while missing and time.monotonic() < deadline:
            known = self._consumer.list_topics(timeout=2).topics
            missing = {t for t in missing if t not in known or known[t].error is not None}
            if missing:
                time.sleep(0.1)
        if missing:
            log.warning("consumer %s: %s not in metadata yet", self.name, ", ".join(missing))

    def _store_positions(self) -> None:
        """Idle: store each partition's position, which is past the transaction marker the
        relay left after the last record handled (storing `offset + 1` of that record stops
        on the marker, so an idle group would show a lag of 1). Every record before the
        position was handled: `process` runs before the next poll."""
        positions = [
            p for p in self._consumer.position(self._consumer.assignment()) if p.offset >= 0
        ]
        if positions:
            try:
                self._consumer.store_offsets(offsets=positions)
            except KafkaException as exc:  # a partition revoked meanwhile: stored next time
                log.debug("consumer %s: positions not stored: %s", self.name, exc)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if self._from_end:
            positions = consumer.committed(partitions, timeout=30)
            for position in positions:
                if position.offset < 0:  # nothing committed yet
                    position.offset = watermarks(consumer, position, timeout=30)[1]
            consumer.assign(positions)
        self.assigned.set()

    def process(self, message: Message, stop: threading.Event) -> Outcome:
        try:
            envelope, payload = decode(message.value())
        except PoisonMessage as poison:
            self._dead_letter(message, poison.reason, poison.detail, attempts=0)
            return Outcome.DEAD_LETTERED
        handler = self._routes.get(envelope.type)
        if handler is None:
            metrics.PROCESSED.labels(self.name, envelope.type, "ignored").inc()
            return Outcome.IGNORED
        # the handling's CONSUMER span: a child of the span that produced the event, and the
        # parent of the events the handler writes
        delivery = Delivery(
            str(message.topic()), message.partition() or 0, message.offset() or 0, self.name
        )
        parent = envelope.traceparent or _traceparent_header(message)
        with consuming(envelope.type, str(envelope.id), parent, delivery) as span:
            outcome = self._handle(message, handler, envelope, payload, stop, span)
            failed = outcome is Outcome.DEAD_LETTERED
            record_outcome(span, outcome.value, "handler_failed" if failed else None)
        metrics.PROCESSED.labels(self.name, envelope.type, outcome.value).inc()
        return outcome

    def _handle(
        self,
        message: Message,
        handler: Handler,
        envelope: Envelope,
        payload: Event,
        stop: threading.Event,
        span: Span,
    ) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            self.heartbeat.beat()
            started = time.perf_counter()
            try:
                with tracing.correlation(envelope.correlationid):
                    handler(envelope, payload)
                metrics.HANDLE_SECONDS.labels(self.name, envelope.type).observe(
                    time.perf_counter() - started
                )
                self.heartbeat.recovered()
                return Outcome.HANDLED
            except TRANSIENT as exc:
                span.record_exception(exc)
                log.warning("consumer %s: transient failure on %s: %s", self.name, envelope.id, exc)
                self.heartbeat.trouble(f"{type(exc).__name__} handling {envelope.type}")
                # infrastructure failures are retried without limit; the attempt counter
                # only paces the backoff
                attempt = min(attempt, self._retry.max_attempts - 1)
            except Exception as exc:
                span.record_exception(exc)
                log.exception("consumer %s: handler failed on %s", self.name, envelope.id)
                if attempt >= self._retry.max_attempts:
                    self._dead_letter(
                        message, "handler_failed", repr(exc), attempts=attempt, envelope=envelope
                    )
                    return Outcome.DEAD_LETTERED
            if self.heartbeat.wait(stop, self._retry.backoff(attempt)):
                return Outcome.INTERRUPTED

    def _dead_letter(
        self,
        message: Message,
        reason: str,
        detail: str,
        attempts: int,
        envelope: Envelope | None = None,
    ) -> None:
        headers: list[tuple[str, str | bytes | None]] = [*header_pairs(message)]
        headers += dead_letter_headers(
            self.name,
            str(message.topic()),
            message.partition() or 0,
            message.offset() or 0,
            reason,
            detail,
            attempts,
            envelope,
        )
        self._producer.produce(self._dlq, key=message.key(), value=message.value(), headers=headers)
        if self._producer.flush(30) != 0:
            raise RuntimeError(f"dead letter for {message.topic()}@{message.offset()} not acked")
        metrics.DEAD_LETTERS.labels(self.name, reason).inc()
        saga_metrics.FAILURES.labels("dead_letter").inc()
        log.error(
            "consumer %s dead-lettered %s@%s: %s: %s",
            self.name,
            message.topic(),
            message.offset(),
            reason,
            detail,
        )


@dataclass(frozen=True)
class Received:
    """A consumed event, parsed and routed, waiting to be handled in a batch."""

    delivery: Delivery
    envelope: Envelope
    event: Event
    parent: str | None
    """The traceparent of the span that produced it."""
    handler: Callable[[Envelope, Any], object]


def handle_together(consumer: str, received: Sequence[Received]) -> bool:
    """Handle `received` in order in one database transaction (`hourbank_shared.batch`): True
    once committed. Any failure rolls all of it back and returns False; the caller then
    handles the same events one by one, each with its retries and dead letter. Each event
    still has its CONSUMER span, a child of the span that produced it."""
    if not received:
        return True
    started = time.perf_counter()
    try:
        events = {item.envelope.id: item.envelope.type for item in received}
        with transaction_for_batch(events) as batch:
            for item in received:
                envelope = item.envelope
                with consuming(envelope.type, str(envelope.id), item.parent, item.delivery) as span:
                    with tracing.correlation(envelope.correlationid):
                        item.handler(envelope, item.event)
                    record_outcome(span, Outcome.HANDLED.value, None)
            batch.commit()
    except Exception as exc:
        log.info(
            "consumer %s: a batch of %d rolled back (%s: %s); handling them one by one",
            consumer,
            len(received),
            type(exc).__name__,
            exc,
        )
        metrics.BATCHES.labels(consumer, "rolled_back").inc()
        return False
    metrics.BATCHES.labels(consumer, "committed").inc()
    metrics.BATCH_EVENTS.labels(consumer).observe(len(received))
    each = (time.perf_counter() - started) / len(received)
    for item in received:
        metrics.PROCESSED.labels(consumer, item.envelope.type, Outcome.HANDLED.value).inc()
        metrics.HANDLE_SECONDS.labels(consumer, item.envelope.type).observe(each)
    return True
