"""Liveness that means progress: a process's main loop beats, a probe asks how long ago.

A loop beats whenever it comes round (a consumer on every poll, a relay on every batch or idle
wait, a timer on every run) and while it waits between retries. So an outage of the database
or the broker keeps the heartbeat going: the loop is retrying, which is all a restart would do,
and it says so through `trouble` (readiness) instead. Only a loop that stops coming round (a
handler that blocks, a deadlock, a call that hangs past every timeout) goes quiet, and a
restart is what helps there.
"""

import threading
import time
from collections.abc import Callable

BEAT_WHILE_WAITING_SECONDS = 1.0
"""A wait is cut into slices of at most this long, with a beat after each."""


class Heartbeat:
    """When the main loop last came round, and what it is struggling with, if anything."""

    def __init__(
        self, name: str, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`window`: how long the loop may go without a beat (its longest honest step) before
        the process counts as stuck. Starting counts as a beat."""
        self.name = name
        self.window = window
        self._clock = clock
        self._started = clock()
        self._last = self._started
        self._beaten = False
        self._trouble: tuple[str, float] | None = None

    def beat(self) -> None:
        """The loop came round."""
        self._last = self._clock()
        self._beaten = True

    def trouble(self, why: str) -> None:
        """The loop is retrying something outside the process (kept from its first report)."""
        if self._trouble is None:
            self._trouble = (why, self._clock())

    def recovered(self) -> None:
        """The loop did what it was retrying."""
        self._trouble = None

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """`stop.wait(seconds)`, beating at least every second meanwhile; True if stopped."""
        deadline = self._clock() + seconds
        while True:
            self.beat()
            left = deadline - self._clock()
            if left <= 0:
                return stop.is_set()
            if stop.wait(min(left, BEAT_WHILE_WAITING_SECONDS)):
                return True

    def silent_for(self) -> float:
        """Seconds since the last beat."""
        return self._clock() - self._last

    def liveness_problem(self) -> str | None:
        """None while the loop beats within its window, else how long it has been quiet."""
        silent = self.silent_for()
        if silent <= self.window:
            return None
        return (
            f"{self.name} has not made progress for {silent:.1f} s "
            f"(allowed {self.window:g} s): its loop is stuck"
        )

    def readiness_problem(self) -> str | None:
        """None once the loop runs, beats and is not retrying an outage, else why not."""
        stuck = self.liveness_problem()
        if stuck is not None:
            return stuck
        if not self._beaten:
            return f"{self.name} is starting"
        trouble = self._trouble
        if trouble is not None:
            why, since = trouble
            return f"{self.name} is retrying for {self._clock() - since:.1f} s: {why}"
        return None


class Heartbeats(Heartbeat):
    """Several loops in one process (`hourbank-<service> serve`): alive while every one beats
    within its window, ready once every one is ready. The first problem found is the answer."""

    def __init__(self, name: str, loops: list[Heartbeat]) -> None:
        super().__init__(name, max((loop.window for loop in loops), default=60.0))
        self._loops = loops

    def liveness_problem(self) -> str | None:
        return next((p for loop in self._loops if (p := loop.liveness_problem())), None)

    def readiness_problem(self) -> str | None:
        return next((p for loop in self._loops if (p := loop.readiness_problem())), None)
