"""One app per service on its own migrated database, shared by the module's tests, and a
one-line summary of what the fuzz sent."""

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.migrations import upgrade
from hourbank_shared.testing.infra import Infra, fresh_database

from .targets import BUILDERS, Target, alembic_ini

SENT: Counter[str] = Counter()
SPENT = [0.0]


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    """One event loop for every call of the module, as one server process has."""
    with start_blocking_portal() as running:
        yield running


@pytest.fixture(scope="module", params=list(BUILDERS))
def target(
    request: pytest.FixtureRequest, infra: Infra, portal: BlockingPortal
) -> Iterator[Target]:
    service: str = request.param
    started = time.monotonic()
    with fresh_database(infra, prefix=f"fuzz_{service}") as url:
        upgrade(alembic_ini(service), url, quiet=True)
        engine = make_engine(url, pool_size=4)
        built = BUILDERS[service](url, session_factory(engine), portal)
        SPENT[0] += time.monotonic() - started
        yield built
        SENT.update({f"{service} {k}": v for k, v in built.driver.sent.items()})
        engine.dispose()


@pytest.fixture(autouse=True)
def _timed() -> Iterator[None]:
    started = time.monotonic()
    yield
    SPENT[0] += time.monotonic() - started


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SENT:
        terminalreporter.write_line(
            f"fuzz: {sum(SENT.values())} requests to {len(SENT)} operations of "
            f"{len({k.split()[0] for k in SENT})} services in {SPENT[0]:.1f} s"
        )
