"""Time: a clock port, and business windows scaled by HOURBANK_TIME_SCALE."""

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests that moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class BusinessTime:
    """Converts business windows (24 h to respond, 48 h to confirm) to real durations."""

    def __init__(self, clock: Clock, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time scale must be positive")
        self.clock = clock
        self.time_scale = time_scale

    def window(self, hours: float) -> timedelta:
        return timedelta(hours=hours) / self.time_scale

    def deadline(self, hours: float) -> datetime:
        return self.clock.now() + self.window(hours)
