"""Load shedding at the door, against the real PostgreSQL: past the backlog limit a submission
gets 503 with Retry-After and leaves nothing behind, its Idempotency-Key stays free for the
retry, and the actions of requests already in their saga still pass."""

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_requests.api import create_app
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.clock import FixedClock
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.migrations import upgrade

from .test_requests_api import NOW, SECRET, Bank, problem

pytestmark = pytest.mark.integration

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"
LIMIT = 2
KEY = "retry-me"


@pytest.fixture
def bank(database_url: str) -> Iterator[Bank]:
    upgrade(ALEMBIC_INI, database_url, quiet=True)
    engine = make_engine(database_url, pool_size=3)
    settings = RequestsSettings(
        database_url=database_url,
        jwt_secret=SECRET,
        submit_backlog_limit=LIMIT,
        submit_backlog_refresh_seconds=1e-6,  # every decision on a fresh count
    )
    sessions = session_factory(engine)
    with TestClient(create_app(settings, sessions, FixedClock(NOW))) as client:
        yield Bank(client, sessions, FixedClock(NOW))
    engine.dispose()


def count(sessions: sessionmaker[Session], table: Table, *where: ColumnElement[bool]) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def shed_total() -> float:
    labels = {"service": "requests", "route": "/v1/requests"}
    return REGISTRY.get_sample_value("hourbank_http_shed_total", labels) or 0.0


def test_a_submission_past_the_limit_is_refused_and_leaves_nothing_behind(bank: Bank) -> None:
    provider, late = bank.member(), bank.member()
    offering = bank.offering(provider)
    in_saga = bank.awaiting(bank.member(), offering)  # escrow held it: not in the backlog
    waiting = [bank.submitted(bank.member(), offering) for _ in range(LIMIT)]
    outbox_before, shed_before = count(bank.sessions, tables.outbox), shed_total()

    response = bank.submit(late, offering, **{"Idempotency-Key": KEY})

    body = problem(response, 503)
    assert body["type"].endswith("/overloaded")
    assert (
        f"waiting for escrow to hold their hours ({LIMIT}, the limit is {LIMIT})"
        in (body["detail"])
    )
    # escrow has answered nothing yet: no pace to go by, so the longest wait
    assert response.headers["Retry-After"] == "30" == str(body["retry_after"])
    assert count(bank.sessions, tables.requests, tables.requests.c.requester_id == late) == 0
    assert count(bank.sessions, tables.outbox) == outbox_before
    assert count(bank.sessions, tables.idempotency, tables.idempotency.c.key == KEY) == 0
    assert shed_total() == shed_before + 1

    # work already inside a saga passes at the same backlog
    assert bank.acted(provider, in_saga, "accept")["status"] == "ACCEPTED"
    assert count(bank.sessions, tables.requests, tables.requests.c.status == "INITIATED") == LIMIT

    # escrow answers one: the same request, with the same key, now goes through, once
    bank.escrow_holds(waiting[0])
    retried = bank.submit(late, offering, **{"Idempotency-Key": KEY})
    assert retried.status_code == 201, retried.text
    # the door is shut again (2 wait): even a repeat of an answered key is asked to come back
    assert bank.submit(late, offering, **{"Idempotency-Key": KEY}).status_code == 503
    bank.escrow_holds(waiting[1])
    replayed = bank.submit(late, offering, **{"Idempotency-Key": KEY})
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert replayed.json()["id"] == retried.json()["id"]
    assert count(bank.sessions, tables.requests, tables.requests.c.requester_id == late) == 1


def test_without_a_limit_nothing_is_refused(database_url: str) -> None:
    upgrade(ALEMBIC_INI, database_url, quiet=True)
    engine = make_engine(database_url, pool_size=3)
    settings = RequestsSettings(
        database_url=database_url, jwt_secret=SECRET, submit_backlog_limit=0
    )
    try:
        with TestClient(create_app(settings, session_factory(engine), FixedClock(NOW))) as c:
            bank = Bank(c, session_factory(engine), FixedClock(NOW))
            offering = bank.offering(bank.member())
            ids = {UUID(bank.submitted(bank.member(), offering)) for _ in range(LIMIT + 2)}
            assert len(ids) == LIMIT + 2
    finally:
        engine.dispose()
