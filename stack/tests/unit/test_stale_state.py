"""A stack's saved state names its processes by pid and start: a pid that another process has
since taken (after the machine restarted, or once pids wrapped) is not the stack running. CI
once found every `hourbank up` refused, most likely so: a developer's stale state named a pid
that one of CI's own processes had."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hourbank_stack import supervisor
from hourbank_stack.supervisor import Supervisor, started_as


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOURBANK_STATE_DIR", str(tmp_path))
    return tmp_path / "stack"


def stale_state(directory: Path, pid: int, started: str | None) -> None:
    """A state left by a supervisor that is gone, whose pid `pid` has now."""
    directory.mkdir(parents=True, exist_ok=True)
    saved = {
        "supervisor": pid,
        "supervisor_started": started,
        "ready": True,
        "base_url": "http://127.0.0.1:1",
        "processes": {"requests-api": {"pid": pid, "started": started, "port": 1}},
    }
    (directory / "stack.json").write_text(json.dumps(saved))


def test_a_process_start_names_it_and_differs_from_another_process() -> None:
    mine = started_as(os.getpid())
    assert mine is not None and mine == started_as(os.getpid())
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as other:
        try:
            assert started_as(other.pid) not in (None, mine)
        finally:
            other.kill()
    assert started_as(other.pid) is None  # gone


def test_a_reused_pid_is_not_the_stack_running(state: Path) -> None:
    stale_state(state, os.getpid(), "another-boot:12345")
    saved = supervisor.read_state()
    assert saved is not None
    assert not supervisor.supervisor_alive(saved)
    assert supervisor.running_stack() is None
    assert not supervisor.child_alive(saved["processes"]["requests-api"])  # type: ignore[index]


def test_the_saving_supervisor_is_recognised(state: Path) -> None:
    Supervisor(dict(os.environ), lambda _: None).save()
    saved = supervisor.read_state()
    assert saved is not None and saved["supervisor_started"] == started_as(os.getpid())
    assert supervisor.supervisor_alive(saved)


def test_a_state_from_before_the_start_was_saved_still_counts_its_live_pid(state: Path) -> None:
    stale_state(state, os.getpid(), None)
    saved = supervisor.read_state()
    assert saved is not None and supervisor.supervisor_alive(saved)


def test_status_calls_a_stale_state_not_running(
    state: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hourbank_stack import control

    stale_state(state, os.getpid(), "another-boot:12345")
    monkeypatch.setattr(control.subprocess, "run", lambda *a, **k: None)  # not hb-infra status
    control.status(None)  # type: ignore[arg-type]
    assert "HourBank services: not running" in capsys.readouterr().out
