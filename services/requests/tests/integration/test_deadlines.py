"""Durable deadlines: stored with the request, fired exactly once by any number of workers,
racing user actions fairly, surviving restarts, paused while disputed."""

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hourbank_requests.adapters import tables as t
from hourbank_requests.bootstrap import Requests, bootstrap
from hourbank_requests.domain import reactions
from hourbank_requests.domain.errors import NotAllowedNow
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offerings import Offering, Terms
from hourbank_requests.domain.service_request import Caller
from hourbank_requests.handlers import act_on_request, fire_due_deadlines, submit_request
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.clock import FixedClock
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.migrations import upgrade

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"
START_WINDOW = timedelta(hours=48)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture
def service(database_url: str, clock: FixedClock) -> Iterator[Requests]:
    upgrade(ALEMBIC_INI, database_url, quiet=True)
    service = start(database_url, clock)
    yield service
    service.engine.dispose()


def start(database_url: str, clock: FixedClock) -> Requests:
    return bootstrap(RequestsSettings(database_url=database_url, jwt_secret="x" * 32), clock)


def awaiting_start_confirmation(service: Requests, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """`count` requests reported started (each by its own requester): (request, requester)."""
    ctx, now = service.context, service.context.time.clock.now()
    provider = Member.register(uuid.uuid4(), "Provider", None, ("member",), now)
    offering = Offering.create(provider, Terms("Gardening", "Weeding", "garden"), now)
    with ctx.uow() as uow:
        uow.members.save(provider)
        uow.offerings.save(offering)
        uow.commit()
    made = []
    by_provider = Caller(provider.id)
    for _ in range(count):
        requester = Member.register(uuid.uuid4(), "Requester", None, ("member",), now)
        with ctx.uow() as uow:
            uow.members.save(requester)
            request = submit_request(ctx, uow, requester.id, offering.id, Decimal("1.00"), "hi")
            uow.commit()
        for step in (
            lambda r: reactions.escrow_held(r, ctx.time, uuid.uuid4()),
            lambda r: r.accept(by_provider, ctx.time),
            lambda r: r.report_start(by_provider, ctx.time),
        ):
            with ctx.uow() as uow:
                act_on_request(uow, request.id, step)
                uow.commit()
        made.append((request.id, requester.id))
    return made


def transitions_to(service: Requests, request_id: uuid.UUID, status: S) -> int:
    query = select(func.count()).where(
        t.history.c.request_id == request_id, t.history.c.to_status == str(status)
    )
    with service.sessions() as session:
        return session.execute(query).scalar_one()


def started_events(service: Requests) -> int:
    query = select(func.count()).where(t.outbox.c.event_type == "hourbank.request.started.v1")
    with service.sessions() as session:
        return session.execute(query).scalar_one()


def status_of(service: Requests, request_id: uuid.UUID) -> S:
    query = select(t.requests.c.status).where(t.requests.c.id == request_id)
    with service.sessions() as session:
        return S(session.execute(query).scalar_one())


def test_a_deadline_does_not_fire_early_and_fires_once_with_three_workers(
    service: Requests, clock: FixedClock
) -> None:
    made = awaiting_start_confirmation(service, 30)
    clock.advance(START_WINDOW - timedelta(seconds=1))
    assert fire_due_deadlines(service.context) == 0
    clock.advance(timedelta(seconds=1))

    def drain() -> int:
        fired = total = 0
        while (fired := fire_due_deadlines(service.context, limit=3)) > 0:
            total += fired
        return total

    with ThreadPoolExecutor(max_workers=3) as pool:
        fired = sum(pool.map(lambda _: drain(), range(3)))
    assert fired == 30
    assert started_events(service) == 30
    for request_id, _ in made:
        assert status_of(service, request_id) is S.IN_PROGRESS
        assert transitions_to(service, request_id, S.IN_PROGRESS) == 1


def test_a_confirmation_racing_its_deadline_moves_the_request_exactly_once(
    service: Requests, clock: FixedClock
) -> None:
    made = awaiting_start_confirmation(service, 20)
    clock.advance(START_WINDOW)
    user_wins = []
    start = threading.Barrier(2)
    ctx = service.context

    def confirm(request_id: uuid.UUID, requester_id: uuid.UUID) -> None:
        requester = Caller(requester_id)
        start.wait()
        try:
            with ctx.uow() as uow:
                act_on_request(uow, request_id, lambda r: r.confirm_start(requester, ctx.time))
                uow.commit()
            user_wins.append(request_id)
        except NotAllowedNow:
            pass

    def deadlines() -> None:
        start.wait()
        fire_due_deadlines(service.context, limit=1)

    for request_id, requester_id in made:
        racers = [threading.Thread(target=confirm, args=(request_id, requester_id)),
                  threading.Thread(target=deadlines)]  # fmt: skip
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        start.reset()
    fire_due_deadlines(service.context)  # whatever the user won is no longer due

    assert started_events(service) == 20
    for request_id, _ in made:
        assert status_of(service, request_id) is S.IN_PROGRESS
        assert transitions_to(service, request_id, S.IN_PROGRESS) == 1
    print(f"user won {len(user_wins)} of 20 races, the deadline {20 - len(user_wins)}")


def test_pending_deadlines_survive_a_restart(
    service: Requests, clock: FixedClock, database_url: str
) -> None:
    made = awaiting_start_confirmation(service, 3)
    service.engine.dispose()  # the service stops with deadlines pending
    clock.advance(START_WINDOW + timedelta(hours=1))
    restarted = start(database_url, clock)
    try:
        assert fire_due_deadlines(restarted.context) == 3
        assert fire_due_deadlines(restarted.context) == 0
        assert {status_of(restarted, r) for r, _ in made} == {S.IN_PROGRESS}
    finally:
        restarted.engine.dispose()


def test_a_dispute_pauses_the_deadline_and_a_dismissal_restarts_it_in_full(
    service: Requests, clock: FixedClock
) -> None:
    [(request_id, requester_id)] = awaiting_start_confirmation(service, 1)
    ctx, dispute = service.context, uuid.uuid4()
    with ctx.uow() as uow:
        act_on_request(
            uow, request_id,
            lambda r: reactions.dispute_opened(r, dispute, requester_id, ctx.time, uuid.uuid4()),
        )  # fmt: skip
        uow.commit()
    clock.advance(START_WINDOW * 3)
    assert fire_due_deadlines(ctx) == 0
    with ctx.uow() as uow:
        act_on_request(
            uow,
            request_id,
            lambda r: reactions.dispute_dismissed(r, dispute, ctx.time, uuid.uuid4()),
        )
        uow.commit()
    clock.advance(START_WINDOW - timedelta(seconds=1))
    assert fire_due_deadlines(ctx) == 0
    clock.advance(timedelta(seconds=1))
    assert fire_due_deadlines(ctx) == 1
    assert status_of(service, request_id) is S.IN_PROGRESS
