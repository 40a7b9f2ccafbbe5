"""`hourbank status`, `hourbank hold <process>` and `hourbank release <process>`: what runs,
how far behind the pipeline is, and stopping one process on purpose (the supervisor would
otherwise start it again at once)."""

import argparse
import subprocess
import time

from hourbank_stack.gateway import REPO
from hourbank_stack.observability.readings import lines, readings
from hourbank_stack.supervisor import (
    CONSUMER_GROUPS,
    child_alive,
    hold_marker,
    read_state,
    supervisor_alive,
)
from hourbank_stack.topology import SERVICES

INFRA = REPO / "infra/hb-infra"


def say(message: str) -> None:
    print(message, flush=True)


def status(_: argparse.Namespace) -> None:
    state = read_state()
    if not state or not supervisor_alive(state):
        say("HourBank services: not running")
    else:
        ready = "ready" if state.get("ready") else "starting"
        say(f"HourBank services: {ready} at {state['base_url']} (supervisor {state['supervisor']})")
        processes = state["processes"]
        assert isinstance(processes, dict)
        for name, entry in processes.items():
            mark = "HELD" if entry.get("held") else "up  " if child_alive(entry) else "DOWN"
            pid, port, restarts = entry["pid"], entry["port"], entry["restarts"]
            say(f"  {mark} {name:<24} pid {pid!s:<8} :{port:<6} restarts {restarts}")
        links = state.get("links") or {}
        assert isinstance(links, dict)
        for name, url in links.items():
            say(f"  {name:<13} {url}")
        for line in lines(readings(), CONSUMER_GROUPS, SERVICES):
            say(line)
    subprocess.run([str(INFRA), "status"], check=False)


def _entry(name: str) -> dict[str, object]:
    state = read_state()
    if not state or not supervisor_alive(state):
        raise SystemExit("hourbank: not running")
    processes = state["processes"]
    assert isinstance(processes, dict)
    if name not in processes:
        raise SystemExit(f"hourbank: no process {name!r}; known: {', '.join(processes)}")
    entry: dict[str, object] = processes[name]
    return entry


def _wait(name: str, done: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = _entry(name)
        held, running = bool(entry.get("held")), child_alive(entry)
        if (held, running) == ((True, False) if done == "held" else (False, True)):
            say(f"{name}: {done}")
            return
        time.sleep(0.2)
    raise SystemExit(f"hourbank: {name} not {done} after {timeout:.0f}s")


def hold(args: argparse.Namespace) -> None:
    """Stop the process and keep it stopped until `hourbank release`."""
    _entry(args.process)
    marker = hold_marker(args.process)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    _wait(args.process, "held")


def release(args: argparse.Namespace) -> None:
    _entry(args.process)
    hold_marker(args.process).unlink(missing_ok=True)
    _wait(args.process, "released")
