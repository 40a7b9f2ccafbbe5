"""tests/monitoring: the rules and dashboards, offline (promtool) and against the real
Prometheus of a stack started with `--observe`.

They run after the e2e tests (whose stack, started with `--observe`, they reuse: its traffic is
already in Prometheus) and before the fault injection. A running stack without Prometheus is
stopped and started again with it, as tests/saga and tests/faults do; a stack started here is
stopped at the end of the session.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_stack.client import Gateway
from hourbank_stack.invoke import hourbank
from hourbank_stack.observability.promql import Prometheus
from hourbank_stack.supervisor import running_stack

HOURBANK = [sys.executable, "-m", "hourbank_stack"]


def _folder(item: pytest.Item) -> str:
    return item.nodeid.split("/")[1] if item.nodeid.startswith("tests/") else ""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """After tests/conftest.py and tests/e2e/conftest.py ordered the session: move these
    tests after the e2e ones (reconciliation check included), before tests/faults."""
    ours = [item for item in items if _folder(item) == "monitoring"]
    rest = [item for item in items if _folder(item) != "monitoring"]
    faults = [n for n, item in enumerate(rest) if _folder(item) == "faults"]
    at = faults[0] if faults else len(rest)
    items[:] = rest[:at] + ours + rest[at:]


@pytest.fixture(scope="session")
def observed_stack() -> Iterator[dict[str, object]]:
    """The state of a running stack with Prometheus (and Jaeger, when it could be built)."""
    state = running_stack()
    started = state is None or "Prometheus" not in (state.get("links") or {})  # type: ignore[operator]
    if state is not None and started:
        subprocess.run([*HOURBANK, "stop"], check=True, timeout=180)
    if started:
        hourbank("up", "--detach", "--observe", "--keep-infra", timeout=900)
        state = running_stack()
        assert state is not None, "hourbank up --detach --observe returned, but nothing runs"
    assert state is not None
    try:
        yield state
    finally:
        if started:
            subprocess.run([*HOURBANK, "stop"], check=False, timeout=180)


@pytest.fixture(scope="session")
def prometheus(observed_stack: dict[str, object]) -> Iterator[Prometheus]:
    links = observed_stack["links"]
    assert isinstance(links, dict)
    client = Prometheus(links["Prometheus"])
    deadline = time.monotonic() + 30
    while not client.query("up"):  # its first scrape
        assert time.monotonic() < deadline, "Prometheus scraped nothing in 30 s"
        time.sleep(1)
    yield client
    client.close()


@pytest.fixture(scope="session")
def gateway(observed_stack: dict[str, object]) -> Iterator[Gateway]:
    secret = os.environ.get("HOURBANK_JWT_SECRET", DEV_JWT_SECRET)
    client = Gateway(str(observed_stack["base_url"]), secret)
    yield client
    client.close()
