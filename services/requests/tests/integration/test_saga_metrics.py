"""Saga metrics come from the request's history, event time to event time, once committed."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from hourbank_requests.bootstrap import Requests, bootstrap
from hourbank_requests.domain import reactions
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offerings import Offering, Terms
from hourbank_requests.domain.service_request import Caller
from hourbank_requests.handlers import act_on_request, fire_due_deadlines, submit_request
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.clock import FixedClock
from hourbank_shared.migrations import upgrade

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture
def service(database_url: str, clock: FixedClock) -> Iterator[Requests]:
    upgrade(ALEMBIC_INI, database_url, quiet=True)
    settings = RequestsSettings(database_url=database_url, jwt_secret="x" * 32)
    service = bootstrap(settings, clock)
    yield service
    service.engine.dispose()


def submitted(service: Requests) -> tuple[uuid.UUID, Caller]:
    """A new INITIATED request; returns it and its provider."""
    ctx, now = service.context, service.context.time.clock.now()
    provider = Member.register(uuid.uuid4(), "Provider", None, ("member",), now)
    requester = Member.register(uuid.uuid4(), "Requester", None, ("member",), now)
    offering = Offering.create(provider, Terms("Gardening", "Weeding", "garden"), now)
    with ctx.uow() as uow:
        uow.members.save(provider)
        uow.members.save(requester)
        uow.offerings.save(offering)
        request = submit_request(ctx, uow, requester.id, offering.id, Decimal("1.00"), "hi")
        uow.commit()
    return request.id, Caller(provider.id)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_submit_step_lasts_from_submission_to_escrows_answer(
    service: Requests, clock: FixedClock
) -> None:
    request_id, _ = submitted(service)
    before = value("hourbank_saga_step_duration_seconds_sum", step="submit")
    count = value("hourbank_saga_step_duration_seconds_count", step="submit")
    clock.advance(timedelta(seconds=2.5))

    with service.context.uow() as uow:  # rolled back: nothing observed
        act_on_request(
            uow, request_id, lambda r: reactions.escrow_held(r, service.context.time, uuid.uuid4())
        )
    assert value("hourbank_saga_step_duration_seconds_count", step="submit") == count

    with service.context.uow() as uow:
        act_on_request(
            uow, request_id, lambda r: reactions.escrow_held(r, service.context.time, uuid.uuid4())
        )
        uow.commit()
    assert value("hourbank_saga_step_duration_seconds_count", step="submit") == count + 1
    assert value("hourbank_saga_step_duration_seconds_sum", step="submit") - before == 2.5


def test_a_submission_escrow_never_answered_is_a_failure_and_an_expired_outcome(
    service: Requests, clock: FixedClock
) -> None:
    submitted(service)
    failures = value("hourbank_saga_failures_total", reason="escrow_unanswered")
    expired = value("hourbank_saga_outcomes_total", status="EXPIRED", accepted="false")
    clock.advance(service.context.escrow_answer_within + timedelta(seconds=1))

    assert fire_due_deadlines(service.context) == 1

    assert value("hourbank_saga_failures_total", reason="escrow_unanswered") == failures + 1
    assert value("hourbank_saga_outcomes_total", status="EXPIRED", accepted="false") == expired + 1


def test_a_cancelled_accepted_request_is_an_accepted_outcome(service: Requests) -> None:
    request_id, provider = submitted(service)
    time = service.context.time
    cancelled = value("hourbank_saga_outcomes_total", status="CANCELLED", accepted="true")
    for step in (
        lambda r: reactions.escrow_held(r, time, uuid.uuid4()),
        lambda r: r.accept(provider, time),
        lambda r: r.cancel(provider, time),
    ):
        with service.context.uow() as uow:
            act_on_request(uow, request_id, step)
            uow.commit()
    assert (
        value("hourbank_saga_outcomes_total", status="CANCELLED", accepted="true") == cancelled + 1
    )
