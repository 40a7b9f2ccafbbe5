"""The deadline worker: fires due deadlines until stopped (several may run at once)."""

import logging
import threading

from hourbank_requests.handlers import Context, fire_due_deadlines

log = logging.getLogger(__name__)


def run_deadlines(ctx: Context, stop: threading.Event, poll_seconds: float = 0.2) -> None:
    while not stop.is_set():
        try:
            fired = fire_due_deadlines(ctx)
            if fired:
                log.info("fired %d deadlines", fired)
                continue
        except Exception:
            log.exception("firing deadlines failed; retrying")
        stop.wait(poll_seconds)
