"""The faust worker: every topic notifications listens to, one agent, the handler in a thread.

The worker reads read_committed, like every other consumer: the relays publish in Kafka
transactions, and a batch they abort (then publish again) must never reach `notify`.

The worker commits its consumer offsets itself, every second, up to the last message `notify`
handled; what a commit that failed left is committed on a later round (`HandledOffsets`). A
redelivery after a crash or rebalance is a no-op thanks to the inbox. Faust's own ack tracking
is off for these topics: it treats every offset it did not deliver as a gap to fill, and the
transaction marker the relays leave after each batch is such an offset. Its committed offsets
then crept forward a run of messages per partition per commit, tens of thousands of records
behind under load, and a restarted worker re-read all of them.

The agent takes what arrived within `BATCH_WITHIN` and notifies it in one database transaction
(`hourbank_shared.consumer.handle_together`, as every other consumer batches); events that
concern no one cost nothing; if the batch fails, its events are handled one by one.

Parsing and schema checks are `hourbank_shared.consumer.decode`, as in every other consumer:
a poison message goes to the DLQ with its reason and the agent goes on. A database outage is
retried without limit; any other handler failure goes to the DLQ after
`RetryPolicy.max_attempts`.
"""

import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import faust
import mode.loop
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP
from faust.types.auth import CredentialsT
from opentelemetry.trace import Span

from hourbank_notifications.handlers import (
    CONSUMER,
    WORTH_PARSING,
    Context,
    concerns_no_one,
    notify,
)
from hourbank_shared import saga_metrics, tracing
from hourbank_shared.consumer import (
    TRANSIENT,
    PoisonMessage,
    Received,
    RetryPolicy,
    dead_letter_headers,
    decode,
    handle_together,
)
from hourbank_shared.consumer_metrics import DEAD_LETTERS, HANDLE_SECONDS, PROCESSED
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope
from hourbank_shared.heartbeat import BEAT_WHILE_WAITING_SECONDS, Heartbeat
from hourbank_shared.kafka import dlq_topic, replay_topic
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.message_tracing import Delivery, consuming, record_outcome

log = logging.getLogger(__name__)

APP_ID = "hourbank-notifications"
TOPICS = (
    topics.REQUESTS,
    topics.ESCROW,
    topics.DISPUTES,
    topics.MEMBERS,
    topics.LEDGER,
    topics.MEMBER_CONTACTS,
    replay_topic(CONSUMER),
)
Tick = Callable[[], Awaitable[None]]
HEARTBEAT_WINDOW_SECONDS = 60.0
"""The longest one `notify` attempt may run before the worker counts as stuck."""
SESSION_TIMEOUT_SECONDS = 10.0
"""As every other consumer's (`hourbank_shared.kafka`): a worker killed, frozen or cut off is
out of the group after 10 s. faust's own 60 s held the whole group in a rebalance for minutes
in the long fault campaign (docs/faults.md). Its database work runs in threads, so the event
loop that heartbeats is never blocked for long."""
REBALANCE_TIMEOUT_SECONDS = 20.0
"""How long the coordinator waits for live members to rejoin (faust's default: 60 s)."""
BATCH_SIZE = 100
BATCH_WITHIN = 0.05
"""The worker takes what arrived within 50 ms (at most BATCH_SIZE) and notifies it in one
database transaction: a notification may wait that long, no saga step waits for one."""
COMMIT_EVERY = 1.0
"""Seconds between offset commits: at most this much is read again after a crash."""


class ReadCommittedConsumer(aiokafka_driver.Consumer):
    """faust's aiokafka consumer, reading read_committed and committing the offsets it is given.

    faust-streaming makes its aiokafka consumer read_committed only when the consumer is
    `in_transaction`, which it sets for processing_guarantee="exactly_once"; that mode also
    sends through per-partition producer transactions committed by faust's ack tracking, which
    this worker cannot use (see the module docstring). The flag on the consumer alone gives
    read_committed and last-stable-offset high-waters; the app's producer stays plain, and the
    transaction manager faust starts with such a consumer stays idle (only the app's
    exactly_once mode drives it).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_transaction = True

    async def commit_offsets(self, offsets: Mapping[TP, int]) -> bool:
        """Commit the next offset to read per partition; partitions no longer ours are skipped."""
        return bool(await self._thread.commit(offsets))


class HandledOffsets:
    """Per partition, the next offset to read after what `notify` handled, until committed.

    A commit that fails (the broker restarting, the group rebalancing) puts its offsets back
    for the next round. Dropping them left a partition whose last records arrived just before
    the failure one record short of its end for as long as nothing more arrived on it: its
    consumer lag never reached zero, and a restarted worker read those records again.
    """

    def __init__(self) -> None:
        self._next: dict[Any, int] = {}

    def mark(self, tp: Any, offset: int) -> None:
        """The record at `offset` was handled. The highest offset wins: after a rebalance the
        partition may be read again from an older committed offset."""
        self._next[tp] = max(offset + 1, self._next.get(tp, 0))

    def pending(self) -> dict[Any, int]:
        return dict(self._next)

    async def commit(self, commit: Callable[[Mapping[Any, int]], Awaitable[bool]]) -> bool:
        """Commit what is pending with `commit`; on failure (False or an exception) keep it,
        merged with what was handled meanwhile. A partition no longer assigned is skipped by
        `commit` (faust's), which then succeeds: its new owner reads from the committed
        offset."""
        if not self._next:
            return True
        offsets, self._next = self._next, {}
        committed = False
        try:
            committed = await commit(offsets)
        finally:
            if not committed:
                for tp, offset in offsets.items():
                    self._next[tp] = max(offset, self._next.get(tp, 0))
        return committed


class ReadCommittedTransport(aiokafka_driver.Transport):
    """faust's aiokafka transport with `ReadCommittedConsumer`."""

    Consumer = ReadCommittedConsumer


def faust_app(
    ctx: Context,
    bootstrap: str,
    *,
    app_id: str = APP_ID,
    listen_to: Sequence[str] = TOPICS,
    retry: RetryPolicy | None = None,
    every_second: Tick | None = None,
    security: KafkaSecurity | None = None,
    heartbeat: Heartbeat | None = None,
) -> faust.App:
    """The worker's app; `every_second` runs on a timer (the email sender); `security`: how
    it authenticates to Kafka (None: the `HOURBANK_KAFKA_…` settings)."""
    datadir = Path(tempfile.gettempdir()) / "hourbank-faust" / app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        datadir=str(datadir),
        broker_credentials=credentials(security if security is not None else KafkaSecurity()),
        broker_session_timeout=SESSION_TIMEOUT_SECONDS,
        broker_rebalance_timeout=REBALANCE_TIMEOUT_SECONDS,
    )
    # before anything (the first topic) makes the app build its default transport
    app.transport = ReadCommittedTransport(app.conf.broker_consumer, app)
    source = app.topic(
        *listen_to, value_type=bytes, key_type=bytes, value_serializer="raw", acks=False
    )
    dead_letters = app.topic(dlq_topic(CONSUMER), value_serializer="raw", key_serializer="raw")
    policy = retry or RetryPolicy()
    # `/healthz`: beats on every attempt and retry wait, and each second while idle; quiet
    # while `notify` hangs
    heartbeat = heartbeat or Heartbeat(f"worker {app_id}", HEARTBEAT_WINDOW_SECONDS)
    in_flight: list[Any] = []

    async def dead_letter(message: Any, reason: str, detail: str, attempts: int) -> None:
        headers = [(str(k), bytes(v or b"")) for k, v in _headers(message)]
        headers += dead_letter_headers(
            CONSUMER,
            str(message.topic),
            message.partition,
            message.offset,
            reason,
            detail,
            attempts,
        )
        sent = await dead_letters.send(key=message.key, value=message.value, headers=headers)
        await sent  # acknowledged before the message is acked
        DEAD_LETTERS.labels(CONSUMER, reason).inc()
        saga_metrics.FAILURES.labels("dead_letter").inc()
        log.error("%s dead-lettered %s@%s: %s: %s", CONSUMER, message.topic, message.offset,
                  reason, detail)  # fmt: skip

    async def handle(message: Any) -> None:
        try:
            envelope, event = decode(message.value)
        except PoisonMessage as poison:
            await dead_letter(message, poison.reason, poison.detail, attempts=0)
            return
        # a CONSUMER span, child of the span that produced the event, as in every consumer
        delivery = Delivery(str(message.topic), message.partition, message.offset, app_id)
        parent = envelope.traceparent or _header(message, "traceparent")
        with consuming(envelope.type, str(envelope.id), parent, delivery) as span:
            started = time.perf_counter()
            if await attempts(message, envelope, event, span):
                outcome = "dead_lettered"
                record_outcome(span, outcome, "handler_failed")
            else:
                outcome = "handled"
                HANDLE_SECONDS.labels(CONSUMER, envelope.type).observe(
                    time.perf_counter() - started
                )
                record_outcome(span, outcome)
        PROCESSED.labels(CONSUMER, envelope.type, outcome).inc()

    async def attempts(message: Any, envelope: Envelope, event: Event, span: Span) -> bool:
        """Notify, retried; True if the message ended up dead-lettered."""
        attempt = 0
        while True:
            attempt += 1
            heartbeat.beat()
            try:
                with tracing.correlation(envelope.correlationid):
                    await asyncio.to_thread(notify, ctx, envelope, event)
                heartbeat.recovered()
                return False
            except TRANSIENT as exc:
                span.record_exception(exc)
                log.warning("%s: transient failure on %s: %s", CONSUMER, envelope.id, exc)
                attempt = min(attempt, policy.max_attempts - 1)
                heartbeat.trouble(f"{type(exc).__name__} handling {envelope.type}")
            except Exception as exc:
                span.record_exception(exc)
                log.exception("%s: handler failed on %s", CONSUMER, envelope.id)
                if attempt >= policy.max_attempts:
                    await dead_letter(message, "handler_failed", repr(exc), attempts=attempt)
                    return True
            await sleep_beating(heartbeat, policy.backoff(attempt))

    async def handle_batch(messages: Sequence[Any]) -> None:
        """What arrived together: poison messages to the DLQ, events that concern no one
        dropped, the rest notified in one database transaction, or one by one if that fails."""
        received: list[Received] = []
        alone: list[Any] = []  # their messages, for the one-by-one path
        for message in messages:
            kind = _header(message, "ce_type")
            if kind is not None and kind not in WORTH_PARSING:
                PROCESSED.labels(CONSUMER, kind, "ignored").inc()
                continue
            try:
                envelope, event = decode(message.value)
            except PoisonMessage as poison:
                await dead_letter(message, poison.reason, poison.detail, attempts=0)
                continue
            if concerns_no_one(event):
                PROCESSED.labels(CONSUMER, envelope.type, "ignored").inc()
                continue
            delivery = Delivery(str(message.topic), message.partition, message.offset, app_id)
            parent = envelope.traceparent or _header(message, "traceparent")
            received.append(Received(delivery, envelope, event, parent, notify_with_context))
            alone.append(message)
        if len(received) > 1 and await asyncio.to_thread(handle_together, CONSUMER, received):
            return
        for message in alone:  # with its retries and dead letter
            await handle(message)

    def notify_with_context(envelope: Envelope, event: Event) -> None:
        notify(ctx, envelope, event)

    handled = HandledOffsets()

    @app.agent(source)
    async def notifications(stream: Any) -> None:
        async for events in stream.take_events(BATCH_SIZE, within=BATCH_WITHIN):
            messages = [event.message for event in events]
            in_flight.extend(messages)
            try:
                await handle_batch(messages)
            finally:
                in_flight.clear()
            for message in messages:
                handled.mark(message.tp, message.offset)

    async def commit_handled() -> None:
        # not faust's commit(): that one commits what its ack tracking (off here) acked
        consumer = app.consumer
        assert isinstance(consumer, ReadCommittedConsumer)
        await handled.commit(consumer.commit_offsets)

    app.timer(COMMIT_EVERY)(commit_handled)

    async def beat_while_idle() -> None:
        if not in_flight:
            heartbeat.beat()

    app.timer(1.0)(beat_while_idle)

    if every_second is not None:
        app.timer(1.0)(every_second)
    return app


def credentials(security: KafkaSecurity) -> CredentialsT | None:
    """faust's form of the Kafka security settings: SASL (over TLS or not), TLS alone, or none."""
    context = security.ssl_context()
    if security.uses_sasl:
        return faust.SASLCredentials(
            username=security.kafka_sasl_username,
            password=security.sasl_password(),
            ssl_context=context,
            mechanism=security.kafka_sasl_mechanism,
        )
    return None if context is None else faust.SSLCredentials(context)


def _headers(message: Any) -> list[tuple[str, bytes | None]]:
    headers = message.headers or []
    return list(headers.items() if isinstance(headers, dict) else headers)


def _header(message: Any, name: str) -> str | None:
    """The record's header `name`: `ce_type` tells its event type without parsing it, and
    `traceparent` stands in for an envelope written without one."""
    for key, value in _headers(message):
        if key == name and value:
            return bytes(value).decode(errors="replace")
    return None


async def sleep_beating(heartbeat: Heartbeat, seconds: float) -> None:
    """Sleep between retries, beating meanwhile: retrying is progress."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    while (left := until - loop.time()) > 0:
        heartbeat.beat()
        await asyncio.sleep(min(left, BEAT_WHILE_WAITING_SECONDS))
    heartbeat.beat()


def use_uvloop() -> None:
    """Make the worker's event loop uvloop's, as uvicorn makes the APIs': faust and aiokafka
    spend much of the worker's CPU in the loop, which asyncio's runs in Python. Called before
    anything makes a loop (before `faust_app`)."""
    mode.loop.use("uvloop")


def run_worker(app: faust.App, log_level: str = "INFO") -> None:
    """Run the app until SIGINT/SIGTERM (faust's own worker, signal handlers included)."""
    worker = faust.Worker(app, loglevel=log_level, override_logging=False)
    worker.execute_from_commandline()
