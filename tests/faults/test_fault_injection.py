"""Exactly-once under failure, at CI scale: `hourbank faults` against a running system.

While lifecycles are in flight, service processes are SIGKILLed (the supervisor starts them
again), the Kafka broker is restarted once and PostgreSQL once; then every check of
`hourbank_stack.faults` must pass. The longer run is `uv run hourbank faults --kills 300 …`.
"""

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import pytest

from hourbank_stack.cli import INFRA, development_env
from hourbank_stack.faults import Plan, run
from hourbank_stack.invoke import hourbank
from hourbank_stack.supervisor import read_state, running_stack

pytestmark = pytest.mark.integration
HOURBANK = [sys.executable, "-m", "hourbank_stack"]


@pytest.fixture(scope="module")
def real_time_stack() -> Iterator[str]:
    """A stack in real time (no deadline fires during the faults), stopped afterwards if this
    module started it; a stack at another time scale (the e2e one) is stopped first."""
    state = running_stack()
    if state is not None and float(str(state.get("time_scale") or 1)) == 1.0:
        yield str(state["base_url"])
        return
    if state is not None:
        subprocess.run([*HOURBANK, "stop"], check=True, timeout=180)
    hourbank("up", "--detach", "--keep-infra", timeout=300)
    state = read_state()
    assert state is not None and state.get("ready")
    try:
        yield str(state["base_url"])
    finally:
        subprocess.run([*HOURBANK, "stop"], check=False, timeout=180)


def test_nothing_is_lost_or_doubled_when_processes_broker_and_database_die(
    real_time_stack: str,
) -> None:
    env = development_env()
    plan = Plan(lifecycles=16, kills=10, rate=1.0, restart_kafka=True, restart_pg=True, seed=7)
    report = asyncio.run(run(plan, real_time_stack, env["HOURBANK_JWT_SECRET"], env, str(INFRA)))
    kills = [line for line in report.events if "SIGKILL" in line]
    assert len(kills) >= 5, report.events
    assert any("Kafka broker back (exit code 0)" in line for line in report.events), report.events
    assert any("PostgreSQL back (exit code 0)" in line for line in report.events), report.events
    failed = [(name, detail) for name, ok, detail in report.checks if not ok]
    assert not failed, failed
    assert len(report.checks) == 11  # the seven; faults injected; deadlines, groups, relay batches
