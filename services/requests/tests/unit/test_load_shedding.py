"""The submit gate's decision: refuse at the limit, Retry-After from the backlog and the pace
escrow answers it, one read per refresh shared by every caller, admit when the read fails."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from hourbank_requests.load_shedding import (
    RETRY_AFTER_MAX,
    BacklogReading,
    Refusal,
    SubmitGate,
    refusal,
    retry_after,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass
class FakeBacklog:
    """Readings to hand out, in order; remembers what each read was told."""

    readings: list[BacklogReading | Exception]
    asked: list[datetime | None] = field(default_factory=list)

    def read(self, previous: datetime | None) -> BacklogReading:
        self.asked.append(previous)
        reading = self.readings.pop(0)
        if isinstance(reading, Exception):
            raise reading
        return reading


@dataclass
class FakeMonotonic:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


def reading(seconds: float, waiting: int, waiting_since_previous: int = 0) -> BacklogReading:
    return BacklogReading(T0 + timedelta(seconds=seconds), waiting, waiting_since_previous)


def test_below_the_limit_everything_is_admitted_and_at_it_refused() -> None:
    assert refusal(49, 50, 10.0) is None
    assert refusal(50, 50, 10.0) == Refusal(50, 50, 5)
    assert refusal(10_000, 0, None) is None  # 0: never refuses


@pytest.mark.parametrize(
    ("waiting", "drain", "seconds"),
    [(100, 20.0, 5), (101, 20.0, 6), (3, 20.0, 1), (1000, 1.0, RETRY_AFTER_MAX),
     (100, None, RETRY_AFTER_MAX), (100, 0.0, RETRY_AFTER_MAX)],
)  # fmt: skip
def test_retry_after_is_the_time_to_answer_the_backlog_clamped_to_1_to_30_s(
    waiting: int, drain: float | None, seconds: int
) -> None:
    assert retry_after(waiting, drain) == seconds


def test_the_backlog_is_read_once_per_refresh_whatever_the_number_of_submissions() -> None:
    clock = FakeMonotonic()
    backlog = FakeBacklog([reading(0, 60), reading(0.25, 10, 10)])
    gate = SubmitGate(backlog, limit=50, refresh_seconds=0.2, monotonic=clock)

    decisions = [gate.check() for _ in range(100)]
    assert len(backlog.asked) == 1
    assert all(d is not None and d.retry_after == RETRY_AFTER_MAX for d in decisions)

    clock.now += 0.25
    assert gate.check() is None  # escrow caught up
    assert backlog.asked == [None, T0]  # the second read counts from the first one's time


def test_the_drain_rate_is_what_left_the_previous_backlog_per_second() -> None:
    clock = FakeMonotonic()
    backlog = FakeBacklog(
        [reading(0, 100), reading(1, 120, waiting_since_previous=80), reading(2, 130, 100)]
    )
    gate = SubmitGate(backlog, limit=50, refresh_seconds=0.2, monotonic=clock)
    gate.check()
    clock.now += 1
    refused = gate.check()
    # 20 of the first 100 were answered in the second: 120 waiting take 6 s
    assert gate.drain_per_second == pytest.approx(20.0)
    assert refused == Refusal(120, 50, 6)
    clock.now += 1
    gate.check()
    # 120 - 100 = 20/s again: the average stays
    assert gate.drain_per_second == pytest.approx(20.0)


def test_a_backlog_answered_in_full_says_nothing_of_the_pace() -> None:
    clock = FakeMonotonic()
    backlog = FakeBacklog([reading(0, 5), reading(1, 60, waiting_since_previous=0)])
    gate = SubmitGate(backlog, limit=50, refresh_seconds=0.2, monotonic=clock)
    gate.check()
    clock.now += 1
    refused = gate.check()
    assert gate.drain_per_second is None  # 5 in a second is a bound, not escrow's pace
    assert refused is not None and refused.retry_after == RETRY_AFTER_MAX


def test_a_failed_read_admits_and_is_not_retried_before_the_refresh() -> None:
    clock = FakeMonotonic()
    backlog = FakeBacklog([ConnectionError("database away"), reading(1, 70)])
    gate = SubmitGate(backlog, limit=50, refresh_seconds=0.2, monotonic=clock)
    assert gate.check() is None
    assert gate.check() is None
    assert len(backlog.asked) == 1
    clock.now += 0.2
    assert gate.check() is not None


def test_a_limit_of_zero_reads_nothing() -> None:
    backlog = FakeBacklog([])
    gate = SubmitGate(backlog, limit=0)
    assert gate.check() is None
    assert backlog.asked == []
