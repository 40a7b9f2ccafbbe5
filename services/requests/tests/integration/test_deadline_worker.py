"""The deadline worker on the real clock: it sleeps until the earliest deadline, a deadline set
meanwhile (by a new request or a moved one) wakes it on time through the database's NOTIFY,
and while it sleeps it sends the database nothing at all."""

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select

from hourbank_requests.adapters import tables as t
from hourbank_requests.bootstrap import Requests, bootstrap
from hourbank_requests.deadlines import run_deadlines
from hourbank_requests.domain import reactions
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offerings import Offering, Terms
from hourbank_requests.handlers import Context, act_on_request, submit_request
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.clock import BusinessTime, SystemClock
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.heartbeat import Heartbeat
from hourbank_shared.migrations import upgrade
from hourbank_shared.settings import libpq_url

pytestmark = pytest.mark.integration

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"
TIME_SCALE = 3600.0
"""A business hour lasts a second: the 2-hour response window lasts 2 s."""
FAR = timedelta(seconds=60)
"""A deadline the worker sleeps towards: past the 30 s cap, so only a wake-up can be on time."""
SLACK = 1.5
"""How late a deadline may fire: a busy shared machine, never the cap."""


@pytest.fixture
def service(database_url: str) -> Iterator[Requests]:
    upgrade(ALEMBIC_INI, database_url, quiet=True)
    service = bootstrap(RequestsSettings(database_url=database_url, jwt_secret="x" * 32))
    yield service
    service.engine.dispose()


@pytest.fixture
def ctx(service: Requests) -> Context:
    time_ = BusinessTime(SystemClock(), TIME_SCALE)
    return replace(service.context, time=time_, escrow_answer_within=FAR)


@pytest.fixture
def offering(ctx: Context) -> uuid.UUID:
    now = ctx.time.clock.now()
    provider = Member.register(uuid.uuid4(), "Provider", None, ("member",), now)
    terms = Terms("Gardening", "Weeding", "garden", response_window_hours=2)
    offering = Offering.create(provider, terms, now)
    with ctx.uow() as uow:
        uow.members.save(provider)
        uow.offerings.save(offering)
        uow.commit()
    return offering.id


@pytest.fixture
def worker(ctx: Context) -> Iterator[Heartbeat]:
    """The worker in a thread, with its default 30 s cap on a sleep."""
    stop, heartbeat = threading.Event(), Heartbeat("deadlines", 60.0)
    thread = threading.Thread(
        target=run_deadlines, args=(ctx, stop), kwargs={"heartbeat": heartbeat}
    )
    thread.start()
    yield heartbeat
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()


def submitted(ctx: Context, offering_id: uuid.UUID) -> uuid.UUID:
    requester = Member.register(uuid.uuid4(), "Requester", None, ("member",), ctx.time.clock.now())
    with ctx.uow() as uow:
        uow.members.save(requester)
        request = submit_request(ctx, uow, requester.id, offering_id, Decimal("1.00"), "hi")
        uow.commit()
    return request.id


def deadline_of(ctx: Context, request_id: uuid.UUID) -> datetime:
    with ctx.uow() as uow:
        request = uow.requests.lock(request_id)
        assert request is not None and request.deadline_at is not None
        return request.deadline_at


def expired_at(ctx: Context, request_id: uuid.UUID, patience: float) -> datetime:
    """When the worker expired the request (its history), waiting at most `patience`."""
    h = t.history.c
    query = select(h.at).where(h.request_id == request_id, h.to_status == str(S.EXPIRED))
    give_up = time.monotonic() + patience
    while time.monotonic() < give_up:
        with ctx.uow() as uow:
            at: datetime | None = uow.session.execute(query).scalar()
            if at is not None:
                return at
        time.sleep(0.05)
    raise AssertionError(f"request {request_id} did not expire within {patience} s")


def test_deadlines_set_while_the_worker_sleeps_fire_on_time(
    ctx: Context, offering: uuid.UUID, worker: Heartbeat
) -> None:
    submitted(ctx, offering)  # the worker sleeps towards this one, a minute away
    time.sleep(0.5)

    # a new request whose deadline is a second away: the trigger on INSERT announces it
    soon = submitted(replace(ctx, escrow_answer_within=timedelta(seconds=1)), offering)
    due = deadline_of(ctx, soon)
    fired = expired_at(ctx, soon, patience=10)
    assert due <= fired < due + timedelta(seconds=SLACK)

    # escrow holds a request: its deadline moves to the 2-hour response window (2 s at this
    # scale), and the trigger on UPDATE announces it
    moved = submitted(ctx, offering)
    with ctx.uow() as uow:
        act_on_request(uow, moved, lambda r: reactions.escrow_held(r, ctx.time, uuid.uuid4()))
        uow.commit()
    due = deadline_of(ctx, moved)
    assert due < ctx.time.clock.now() + timedelta(seconds=2.1)
    fired = expired_at(ctx, moved, patience=10)
    assert due <= fired < due + timedelta(seconds=SLACK)
    assert worker.readiness_problem() is None


def test_a_sleeping_worker_sends_the_database_nothing(
    service: Requests, ctx: Context, offering: uuid.UUID, database_url: str, worker: Heartbeat
) -> None:
    submitted(ctx, offering)  # a deadline a minute away
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(service.engine, "before_cursor_execute", count)
    time.sleep(0.5)  # the worker's first round: listen, read the earliest deadline
    statements.clear()
    with psycopg.connect(libpq_url(database_url), autocommit=True) as observer:
        since = observer.execute("SELECT now()").fetchone()
        time.sleep(3)
        # every other connection to this database, the alarm's LISTEN one included: nothing
        # ran since (a query, even a pool's pre-ping, moves state_change)
        busy = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND (state <> 'idle' OR state_change >= %s)",
            since,
        ).fetchone()
        connected = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchone()
    event.remove(service.engine, "before_cursor_execute", count)
    assert statements == []
    assert busy == (0,)
    assert connected is not None and connected[0] >= 2  # the alarm and the pooled connection
    assert worker.silent_for() < 1.5  # asleep, yet beating
