"""The supervisor starts a child that dies again, with backoff, and stops children in order."""

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hourbank_stack import supervisor
from hourbank_stack.supervisor import FIRST_BACKOFF, Child, Supervisor


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOURBANK_STATE_DIR", str(tmp_path))
    return tmp_path / "stack"


def sleeper(name: str, kind: str, logs: Path) -> Child:
    argv = [sys.executable, "-c", "import time; time.sleep(600)"]
    return Child(name, kind, argv, 0, logs / f"{name}.log")


def test_a_killed_child_is_started_again_and_its_pid_saved(state: Path) -> None:
    sup = Supervisor(dict(os.environ), lambda _: None)
    sup.children = [sleeper("one-relay", "relay", sup.logs)]
    for child in sup.children:
        child.start(sup.env)
    first = sup.children[0].pid
    assert first is not None
    watcher = threading.Thread(target=sup.watch)
    watcher.start()
    try:
        os.kill(first, signal.SIGKILL)

        def restarted_and_saved() -> bool:
            # the watcher counts the restart, starts the child, then saves: wait for all three
            saved = supervisor.read_state()
            return saved is not None and saved["processes"]["one-relay"]["pid"] not in (  # type: ignore[index]
                None,
                first,
            )

        deadline = time.monotonic() + 10
        while not restarted_and_saved() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sup.children[0].restarts == 1
        assert sup.children[0].pid != first
        assert sup.children[0].exits == [-signal.SIGKILL]
        saved = supervisor.read_state()
        assert saved is not None
        assert saved["processes"]["one-relay"]["pid"] == sup.children[0].pid  # type: ignore[index]
    finally:
        sup.stop(grace=5)
        watcher.join(5)
    assert all(c.proc is not None and c.proc.poll() is not None for c in sup.children)
    assert supervisor.read_state()["supervisor"] is None  # type: ignore[index]


def test_stop_terminates_apis_before_relays(state: Path) -> None:
    sup = Supervisor(dict(os.environ), lambda _: None)
    relay, api = sleeper("x-relay", "relay", sup.logs), sleeper("x-api", "api", sup.logs)
    sup.children = [relay, api]
    for child in sup.children:
        child.start(sup.env)
    stopped: list[str] = []
    real_wait = {c.name: c.proc.wait for c in sup.children if c.proc is not None}
    for child in sup.children:
        assert child.proc is not None

        def wait(timeout: float | None = None, name: str = child.name) -> int:
            code = real_wait[name](timeout)
            stopped.append(name)
            return code

        child.proc.wait = wait  # type: ignore[method-assign]
    sup.stop(grace=5)
    assert stopped == ["x-api", "x-relay"]


def test_a_held_child_stays_stopped_until_released(state: Path) -> None:
    sup = Supervisor(dict(os.environ), lambda _: None)
    sup.children = [sleeper("x-consume", "consume", sup.logs)]
    child = sup.children[0]
    child.start(sup.env)
    first = child.pid
    watcher = threading.Thread(target=sup.watch)
    watcher.start()

    def saved(name: str) -> dict[str, object]:
        found = supervisor.read_state()
        return found["processes"][name] if found else {}  # type: ignore[index,no-any-return]

    def wait(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline
            time.sleep(0.05)

    try:
        marker = supervisor.hold_marker("x-consume")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        assert first is not None
        wait(lambda: not supervisor.alive(first))  # exited and reaped: `hourbank hold` waits so
        time.sleep(2 * FIRST_BACKOFF + 0.5)  # longer than a restart would take
        assert child.pid == first, "restarted while held"
        assert child.restarts == 0 and saved("x-consume")["held"] is True
        marker.unlink()
        wait(lambda: child.pid != first and child.proc is not None and child.proc.poll() is None)
        wait(lambda: saved("x-consume")["held"] is False)
        assert saved("x-consume")["pid"] == child.pid
    finally:
        sup.stop(grace=5)
        watcher.join(5)
