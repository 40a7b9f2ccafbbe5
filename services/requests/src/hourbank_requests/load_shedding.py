"""Load shedding at the door: a submission is refused while too many wait for escrow's hold.

The saga's first step is escrow holding the hours of a new request. While more requests wait
in INITIATED than `HOURBANK_REQUESTS_SUBMIT_BACKLOG_LIMIT`, that step is saturated and a new
submission would only queue behind them: it is refused before anything is written (no hour
held, no Idempotency-Key used), with a `Retry-After` of how long escrow needs to answer those
already waiting, at the pace it has been answering them. Work already inside a saga (accept,
start, confirm…) never passes through here.

The backlog is read at most every `refresh_seconds` per process and shared by its threads; a
read that fails admits (the submission then meets the database's own outage answer).
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

RETRY_AFTER_MIN, RETRY_AFTER_MAX = 1, 30
"""Seconds; the maximum also when escrow answers nothing at all."""
DRAIN_SMOOTHING_SECONDS = 2.0
"""The drain rate is a moving average over about this long."""

SHED = Counter(
    "hourbank_http_shed_total",
    "Requests refused at the door (503 with Retry-After) because the step they start is saturated",
    ["service", "route"],
)
BACKLOG = Gauge(
    "hourbank_submit_backlog",
    "Requests waiting for escrow's hold (INITIATED), as this API process last read them",
)
DRAIN = Gauge(
    "hourbank_submit_backlog_drain_per_second",
    "How fast escrow has been answering the waiting requests, as this API process measures it",
)


@dataclass(frozen=True)
class BacklogReading:
    at: datetime
    """The database's clock when read."""
    waiting: int
    waiting_since_previous: int
    """Of those, how many were already waiting at the previous reading's `at`."""


class SubmitBacklog(Protocol):
    def read(self, previous: datetime | None) -> BacklogReading: ...


@dataclass(frozen=True)
class Refusal:
    waiting: int
    limit: int
    retry_after: int
    """Whole seconds."""


def refusal(waiting: int, limit: int, drain_per_second: float | None) -> Refusal | None:
    """None while fewer than `limit` wait (a limit of 0 never refuses)."""
    if limit <= 0 or waiting < limit:
        return None
    return Refusal(waiting, limit, retry_after(waiting, drain_per_second))


def retry_after(waiting: int, drain_per_second: float | None) -> int:
    """The time escrow needs to answer the `waiting` at its recent pace, clamped."""
    if not drain_per_second or drain_per_second <= 0:
        return RETRY_AFTER_MAX
    seconds = math.ceil(waiting / drain_per_second)
    return min(RETRY_AFTER_MAX, max(RETRY_AFTER_MIN, seconds))


class SubmitGate:
    """The backlog as last read, and the drain rate measured between readings."""

    def __init__(
        self,
        backlog: SubmitBacklog,
        limit: int,
        refresh_seconds: float = 0.2,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self._backlog = backlog
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._last: BacklogReading | None = None
        self.drain_per_second: float | None = None

    @property
    def waiting(self) -> int:
        return self._last.waiting if self._last else 0

    def check(self) -> Refusal | None:
        """A refusal if the first step is saturated, else None (the caller goes on)."""
        if self.limit <= 0:
            return None
        self._refresh()
        return refusal(self.waiting, self.limit, self.drain_per_second)

    def _refresh(self) -> None:
        if not self._stale() or not self._lock.acquire(blocking=False):
            return  # fresh enough, or another thread is reading: use what is known
        try:
            if self._stale():
                self._learn(self._backlog.read(self._last.at if self._last else None))
        except Exception as exc:
            log.warning("reading the submit backlog failed (%s); admitting", type(exc).__name__)
        finally:
            self._read_at = self._monotonic()
            self._lock.release()

    def _stale(self) -> bool:
        return self._read_at is None or self._monotonic() - self._read_at >= self._refresh_seconds

    def _learn(self, reading: BacklogReading) -> None:
        last, self._last = self._last, reading
        BACKLOG.set(reading.waiting)
        if last is None:
            return
        seconds = (reading.at - last.at).total_seconds()
        answered = last.waiting - reading.waiting_since_previous
        # Only while some of the previous backlog still waits is `answered` escrow's whole
        # pace; once all of it was answered, it says only that escrow kept up.
        if seconds <= 0 or reading.waiting_since_previous <= 0:
            return
        rate = max(0, answered) / seconds
        if self.drain_per_second is None:
            self.drain_per_second = rate
        else:
            weight = 1 - math.exp(-seconds / DRAIN_SMOOTHING_SECONDS)
            self.drain_per_second += weight * (rate - self.drain_per_second)
        DRAIN.set(self.drain_per_second)
