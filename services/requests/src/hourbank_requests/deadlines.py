"""The deadline worker: fires due deadlines until stopped (several may run at once).

Idle, it queries nothing: it reads when the earliest deadline falls due, sleeps until then,
and wakes sooner only when the database announces an earlier one (the requests table's
triggers NOTIFY every deadline set or moved; see `adapters.deadline_alarm`). Deadlines are
stored as instants already scaled by HOURBANK_TIME_SCALE, so sleeping until one is right at
any scale. The alarm listens before the earliest deadline is read, so a deadline committed
after that read is always heard. "Due" is by the database's clock, and a sleep by the
monotonic one: a worker whose wall clock jumps fires nothing early and nothing late.
"""

import logging
import threading
import time
from datetime import datetime
from typing import Protocol

from opentelemetry.trace import use_span

from hourbank_requests.adapters.deadline_alarm import PgDeadlineAlarm
from hourbank_requests.handlers import Context, deadline_time, fire_due_deadlines
from hourbank_shared import tracing
from hourbank_shared.heartbeat import BEAT_WHILE_WAITING_SECONDS, Heartbeat

log = logging.getLogger(__name__)

HEARTBEAT_WINDOW_SECONDS = 60.0
"""A round fires at most `ROUND_LIMIT` deadlines, one short transaction each; a sleep beats
every second."""
ROUND_LIMIT = 100
MAX_SLEEP_SECONDS = 30.0
"""A safety net: were a NOTIFY ever lost, a deadline would fire at most this late. It is also
the one query an idle worker makes, twice a minute."""
BUSY_SECONDS = 0.1
"""A deadline is due but another worker holds its request: look again this soon."""
RETRY_SECONDS = 1.0


class DeadlineAlarm(Protocol):
    def arm(self) -> None: ...

    def wait(self, seconds: float, earlier_than: datetime | None) -> bool: ...

    def close(self) -> None: ...


def run_deadlines(
    ctx: Context,
    stop: threading.Event,
    *,
    heartbeat: Heartbeat | None = None,
    alarm: DeadlineAlarm | None = None,
    max_sleep_seconds: float = MAX_SLEEP_SECONDS,
) -> None:
    """Every round and every second of sleep beats the heartbeat; a failed round (the database
    away) is retried and reported as trouble (readiness), never as a stuck loop (liveness)."""
    heartbeat = heartbeat or Heartbeat("deadlines", HEARTBEAT_WINDOW_SECONDS)
    alarm = alarm or PgDeadlineAlarm(database_url(ctx))
    try:
        while not stop.is_set():
            heartbeat.beat()
            try:
                seconds, earlier_than = fire_round(ctx, alarm)
                heartbeat.recovered()
                sleep(alarm, stop, heartbeat, min(seconds, max_sleep_seconds), earlier_than)
            except Exception as exc:
                heartbeat.trouble(f"{type(exc).__name__} firing deadlines")
                log.exception("firing deadlines failed; retrying")
                heartbeat.wait(stop, RETRY_SECONDS)
    finally:
        alarm.close()


def fire_round(ctx: Context, alarm: DeadlineAlarm) -> tuple[float, datetime | None]:
    """Fires what is due; returns how long to sleep, and the deadline that an announced one
    must precede to cut the sleep short (None: any)."""
    alarm.arm()
    earliest, now = next_deadline(ctx)
    if earliest is None:
        return MAX_SLEEP_SECONDS, None
    if earliest > now:
        return (earliest - now).total_seconds(), earliest
    fired = fire_traced(ctx, limit=ROUND_LIMIT)
    if fired:
        log.info("fired %d deadlines", fired)
        return 0.0, None  # read the next one at once
    return BUSY_SECONDS, None


def next_deadline(ctx: Context) -> tuple[datetime | None, datetime]:
    """The earliest deadline, and the time it is measured against (the database's)."""
    with ctx.uow() as uow:
        return uow.requests.earliest_deadline(), deadline_time(ctx, uow).clock.now()


def sleep(
    alarm: DeadlineAlarm,
    stop: threading.Event,
    heartbeat: Heartbeat,
    seconds: float,
    earlier_than: datetime | None,
) -> None:
    """Until `seconds` pass, an earlier deadline is announced, or the worker is stopped."""
    ends = time.monotonic() + seconds
    while (left := ends - time.monotonic()) > 0 and not stop.is_set():
        heartbeat.beat()
        if alarm.wait(min(left, BEAT_WHILE_WAITING_SECONDS), earlier_than):
            return


def database_url(ctx: Context) -> str:
    """The URL of the engine behind the context's units of work (opening a session connects
    nothing), for the alarm's connection of its own."""
    with ctx.uow() as uow:
        engine = uow.session.get_bind().engine
    return engine.url.render_as_string(hide_password=False)


def fire_traced(ctx: Context, limit: int) -> int:
    """Fire up to `limit` due deadlines one by one, each in a root span of its own: nothing
    caused the events it writes but time, so they start a trace."""
    fired = 0
    while fired < limit:
        span = tracing.tracer().start_span("deadline fired", context=tracing.context_of(None))
        try:
            with use_span(span):  # records an exception on the span, does not end it
                nothing_due = not fire_due_deadlines(ctx, limit=1)
        except Exception:
            span.end()
            raise
        if nothing_due:
            # Left unended, so never exported: a round that finds nothing due (another worker
            # took it) would otherwise leave an empty trace.
            return fired
        span.end()
        fired += 1
    return fired
