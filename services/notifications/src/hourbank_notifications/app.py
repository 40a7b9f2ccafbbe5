"""The faust worker: every topic notifications listens to, one agent, the handler in a thread.

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
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import faust

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

log = logging.getLogger(__name__)

APP_ID = "hourbank-notifications"
TOPICS = (
    topics.REQUESTS,
    topics.ESCROW,
    topics.DISPUTES,
    topics.MEMBERS,
    topics.LEDGER,
    replay_topic(CONSUMER),
)
Tick = Callable[[], Awaitable[None]]
COMMIT_EVERY = 1.0
"""Seconds between offset commits: at most this much is read again after a crash."""


def faust_app(
    ctx: Context,
    bootstrap: str,
    *,
    app_id: str = APP_ID,
    listen_to: Sequence[str] = TOPICS,
    retry: RetryPolicy | None = None,
    every_second: Tick | None = None,
) -> faust.App:
    """The worker's app; `every_second` runs on a timer (the email sender)."""
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
    )
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
            # the transport's commit (faust's own goes through its ack tracking, off here);
            # it skips partitions no longer assigned
            consumer: Any = app.consumer
            await consumer._commit(offsets)

    app.timer(COMMIT_EVERY)(commit_handled)

    if every_second is not None:
        app.timer(1.0)(every_second)
    return app


def _headers(message: Any) -> list[tuple[str, bytes | None]]:
    headers = message.headers or []
    return list(headers.items() if isinstance(headers, dict) else headers)


def run_worker(app: faust.App, log_level: str = "INFO") -> None:
    """Run the app until SIGINT/SIGTERM (faust's own worker, signal handlers included)."""
    worker = faust.Worker(app, loglevel=log_level, override_logging=False)
    worker.execute_from_commandline()
