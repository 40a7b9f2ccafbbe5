"""The deadline worker: fires due deadlines until stopped (several may run at once)."""

import logging
import threading

from opentelemetry.trace import use_span

from hourbank_requests.handlers import Context, fire_due_deadlines
from hourbank_shared import tracing
from hourbank_shared.heartbeat import Heartbeat

log = logging.getLogger(__name__)

HEARTBEAT_WINDOW_SECONDS = 60.0
"""A round fires at most 100 deadlines, one short transaction each."""


def run_deadlines(
    ctx: Context,
    stop: threading.Event,
    poll_seconds: float = 0.2,
    *,
    heartbeat: Heartbeat | None = None,
) -> None:
    """Each round beats the heartbeat; a failed round (the database away) is retried and
    reported as trouble (readiness), never as a stuck loop (liveness)."""
    heartbeat = heartbeat or Heartbeat("deadlines", HEARTBEAT_WINDOW_SECONDS)
    while not stop.is_set():
        heartbeat.beat()
        try:
            fired = fire_traced(ctx, limit=100)
            heartbeat.recovered()
            if fired:
                log.info("fired %d deadlines", fired)
                continue
        except Exception as exc:
            heartbeat.trouble(f"{type(exc).__name__} firing deadlines")
            log.exception("firing deadlines failed; retrying")
        heartbeat.wait(stop, poll_seconds)


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
            # Left unended, so never exported: a poll that finds nothing due would otherwise
            # leave an empty trace every `poll_seconds`.
            return fired
        span.end()
        fired += 1
    return fired
