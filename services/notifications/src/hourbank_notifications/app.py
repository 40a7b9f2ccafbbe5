"""The faust worker: every topic notifications listens to, one agent, the handler in a thread.

The worker reads read_committed, like every other consumer: the relays publish in Kafka
transactions, and a batch they abort (then publish again) must never reach `notify`.

The worker commits its consumer offsets itself, every second, up to the last message `notify`
handled; a redelivery after a crash or rebalance is a no-op thanks to the inbox. Faust's own
ack tracking is off for these topics: it treats every offset it did not deliver as a gap to
fill, and the transaction marker the relays leave after each batch is such an offset. Its
committed offsets then crept forward a run of messages per partition per commit, tens of
thousands of records behind under load, and a restarted worker re-read all of them.

Parsing and schema checks are `hourbank_shared.consumer.decode`, as in every other consumer:
a poison message goes to the DLQ with its reason and the agent goes on. A database outage is
retried without limit; any other handler failure goes to the DLQ after
`RetryPolicy.max_attempts`.
"""

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import faust
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP
from faust.types.auth import CredentialsT

from hourbank_notifications.handlers import CONSUMER, Context, notify
from hourbank_shared.consumer import (
    TRANSIENT,
    PoisonMessage,
    RetryPolicy,
    dead_letter_headers,
    decode,
)
from hourbank_shared.contracts import topics
from hourbank_shared.kafka import dlq_topic, replay_topic
from hourbank_shared.kafka_security import KafkaSecurity

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
    )
    # before anything (the first topic) makes the app build its default transport
    app.transport = ReadCommittedTransport(app.conf.broker_consumer, app)
    source = app.topic(
        *listen_to, value_type=bytes, key_type=bytes, value_serializer="raw", acks=False
    )
    dead_letters = app.topic(dlq_topic(CONSUMER), value_serializer="raw", key_serializer="raw")
    policy = retry or RetryPolicy()

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
        log.error("%s dead-lettered %s@%s: %s: %s", CONSUMER, message.topic, message.offset,
                  reason, detail)  # fmt: skip

    async def handle(message: Any) -> None:
        try:
            envelope, event = decode(message.value)
        except PoisonMessage as poison:
            await dead_letter(message, poison.reason, poison.detail, attempts=0)
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                await asyncio.to_thread(notify, ctx, envelope, event)
                return
            except TRANSIENT as exc:
                log.warning("%s: transient failure on %s: %s", CONSUMER, envelope.id, exc)
                attempt = min(attempt, policy.max_attempts - 1)
            except Exception as exc:
                log.exception("%s: handler failed on %s", CONSUMER, envelope.id)
                if attempt >= policy.max_attempts:
                    await dead_letter(message, "handler_failed", repr(exc), attempts=attempt)
                    return
            await asyncio.sleep(policy.backoff(attempt))

    handled: dict[Any, int] = {}  # partition → the next offset to read

    @app.agent(source)
    async def notifications(stream: Any) -> None:
        async for event in stream.events():
            await handle(event.message)
            handled[event.message.tp] = event.message.offset + 1

    async def commit_handled() -> None:
        if handled:
            offsets = dict(handled)
            handled.clear()
            # not faust's commit(): that one commits what its ack tracking (off here) acked
            consumer = app.consumer
            assert isinstance(consumer, ReadCommittedConsumer)
            await consumer.commit_offsets(offsets)

    app.timer(COMMIT_EVERY)(commit_handled)

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


def run_worker(app: faust.App, log_level: str = "INFO") -> None:
    """Run the app until SIGINT/SIGTERM (faust's own worker, signal handlers included)."""
    worker = faust.Worker(app, loglevel=log_level, override_logging=False)
    worker.execute_from_commandline()
