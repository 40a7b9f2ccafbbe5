"""The supervisor's start: a child killed by a signal (a crash) is started again, as
Kubernetes would; one that exits with a code (a setting it refused) fails the start at once.
Found by the fault campaign: a relay's librdkafka crashed on a new broker and took the whole
stack's start down with it."""

from pathlib import Path

import pytest

from hourbank_shared.testing.serving import free_port
from hourbank_stack.supervisor import COMBINED_ENV, Child, StartFailed, Supervisor


def _supervisor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: Child) -> Supervisor:
    monkeypatch.setenv("HOURBANK_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv(COMBINED_ENV, "0")
    supervisor = Supervisor({"PATH": "/usr/bin:/bin"}, lambda line: None, free_port())
    supervisor.children = [child]  # this one alone, not the stack's
    monkeypatch.setattr(supervisor, "_wait_for_consumer_groups", lambda deadline: None)
    return supervisor


def test_a_child_that_crashes_at_start_is_started_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    served = tmp_path / "served"
    served.mkdir()
    (served / "metrics").write_text("up 1\n")
    script = (
        f"if [ ! -e {tmp_path}/crashed ]; then touch {tmp_path}/crashed; kill -SEGV $$; fi; "
        f"cd {served} && exec python3 -m http.server {port} --bind 127.0.0.1"
    )
    child = Child("flaky-worker", "worker", ["bash", "-c", script], port, tmp_path / "w.log")
    supervisor = _supervisor(tmp_path, monkeypatch, child)
    try:
        supervisor.start(timeout=30)
        assert child.restarts == 1
        assert child.exits == [-11]
    finally:
        supervisor.stop(grace=5)


def test_a_child_that_exits_with_a_code_at_start_fails_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = Child(
        "bad-setting", "worker", ["bash", "-c", "exit 3"], free_port(), tmp_path / "b.log"
    )
    supervisor = _supervisor(tmp_path, monkeypatch, child)
    try:
        with pytest.raises(StartFailed, match="exit code 3"):
            supervisor.start(timeout=30)
        assert child.restarts == 0
    finally:
        supervisor.stop(grace=5)
