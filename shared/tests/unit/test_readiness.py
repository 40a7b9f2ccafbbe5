"""Readiness answers at once from the last ping: a slow database keeps the service ready, a
failed ping or one unanswered past the grace period makes it not ready."""

import asyncio
import threading
import time

import pytest

from hourbank_shared import operational
from hourbank_shared.operational import Readiness


class Ping:
    """A ping whose outcome and duration the test sets; counts how often it ran."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.error: Exception | None = None
        self.calls = 0
        self.release = threading.Event()
        self.release.set()

    def __call__(self) -> None:
        self.calls += 1
        self.release.wait()
        time.sleep(self.seconds)
        if self.error is not None:
            raise self.error


def timed(readiness: Readiness) -> tuple[float, str | None]:
    started = time.perf_counter()
    problem = asyncio.run(readiness.problem())
    return time.perf_counter() - started, problem


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operational, "FRESH_SECONDS", 0.0)  # every probe pings again
    monkeypatch.setattr(operational, "GRACE_SECONDS", 0.5)


def test_the_first_probe_waits_for_the_first_answer() -> None:
    ping = Ping()
    ping.seconds = 0.2
    seconds, problem = timed(Readiness(ping))
    assert problem is None and seconds >= 0.2


def test_a_slow_database_answers_from_the_last_result_at_once() -> None:
    ping = Ping()
    readiness = Readiness(ping)
    assert timed(readiness)[1] is None
    ping.seconds = 0.3
    seconds, problem = timed(readiness)
    assert problem is None and seconds < 0.1


def test_a_failed_ping_is_not_ready_and_says_why() -> None:
    ping = Ping()
    ping.error = ConnectionRefusedError()
    assert timed(Readiness(ping))[1] == "the database check failed: ConnectionRefusedError"


def test_a_ping_unanswered_past_the_grace_period_is_not_ready() -> None:
    ping = Ping()
    readiness = Readiness(ping)
    assert timed(readiness)[1] is None
    ping.release.clear()  # the database stops answering
    assert timed(readiness)[1] is None  # for now: within the grace period
    time.sleep(0.6)
    seconds, problem = timed(readiness)
    assert problem == "the database has not answered for 0.5 s"
    assert seconds < 0.1
    assert ping.calls == 2, "one ping at a time: the stuck one is not joined by others"
    ping.release.set()
    time.sleep(0.05)
    assert timed(readiness)[1] is None  # it answered: ready again
