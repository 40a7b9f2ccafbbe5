"""The whole system behind its gateway, driven only through HTTP, its topics read back.

The session uses a running stack with the e2e time scale (and leaves it running), or starts
one, with offering review on, and stops it at the end. Each test registers its own members,
so tests are independent.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_stack.client import Caller, Gateway
from hourbank_stack.invoke import hourbank
from hourbank_stack.supervisor import running_stack

from .parties import E2E_TIME_SCALE, Pair, make_pair
from .topics import TopicWatch

LAST = "test_ledger_reconciles_after_the_run"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The reconciliation check runs after every other e2e test (and before other folders'
    tests, which may stop the stack), whatever the selection."""
    last = [item for item in items if item.name == LAST]
    rest = [item for item in items if item.name != LAST]
    e2e = [n for n, item in enumerate(rest) if "tests/e2e/" in item.nodeid]
    at = e2e[-1] + 1 if e2e else len(rest)
    items[:] = rest[:at] + last + rest[at:]


@pytest.fixture(scope="session")
def stack() -> Iterator[str]:
    """The gateway's base URL of a stack running at E2E_TIME_SCALE."""
    state = running_stack()
    started = state is None
    if state is None:
        arguments = ["up", "--detach", "--observe", "--time-scale", str(E2E_TIME_SCALE)]
        # the bank reviews offerings, so the review flow runs here; the other tests' offerings
        # are approved by the client (`Caller.offer`)
        arguments += ["--keep-infra", "--offering-review"]
        hourbank(*arguments, timeout=900)  # Jaeger's first build: minutes
        state = running_stack()
        assert state is not None, "hourbank up --detach returned, but no ready stack is running"
    scale = float(str(state.get("time_scale") or 1))
    if scale != E2E_TIME_SCALE:
        pytest.fail(
            f"a stack runs with time scale {scale:g}, the e2e tests need {E2E_TIME_SCALE:g}: "
            "stop it first (`uv run hourbank stop`)"
        )
    try:
        yield str(state["base_url"])
    finally:
        if started:
            subprocess.run([sys.executable, "-m", "hourbank_stack", "stop"], check=False)


@pytest.fixture(scope="session")
def gateway(stack: str) -> Iterator[Gateway]:
    secret = os.environ.get("HOURBANK_JWT_SECRET", DEV_JWT_SECRET)
    gw = Gateway(stack, secret)
    yield gw
    gw.close()


@pytest.fixture(scope="session")
def bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")


@pytest.fixture
def topics(bootstrap: str) -> TopicWatch:
    """The contract's topics as they end when the test starts: the test reads what follows."""
    return TopicWatch(bootstrap)


@pytest.fixture
def admin(gateway: Gateway) -> Caller:
    return gateway.register(f"admin-{uuid.uuid4().hex[:6]}", admin=True)


@pytest.fixture
def pair(gateway: Gateway, topics: TopicWatch) -> Pair:
    """Registered after `topics` took its snapshot, so their welcome bonus is seen."""
    return make_pair(gateway)
