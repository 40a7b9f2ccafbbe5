"""The deadline worker judges "due" by the database's clock, not by its own: a replica whose
host clock jumps (NTP, a VM resumed, a fault injected) neither expires a request its member
still has time to answer nor leaves a due one waiting."""

import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from hourbank_requests.adapters import tables as t
from hourbank_requests.bootstrap import Requests
from hourbank_requests.deadlines import run_deadlines
from hourbank_requests.handlers import Context, fire_due_deadlines
from hourbank_shared.clock import BusinessTime
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.heartbeat import Heartbeat

from .test_deadline_worker import ctx, expired_at, offering, service, submitted

__all__ = ["ctx", "offering", "service"]  # the fixtures this module uses

pytestmark = pytest.mark.integration

SKEW = timedelta(hours=2)
ANSWER_WITHIN = timedelta(hours=1)
"""A deadline the database says is an hour away: two hours fast, a worker thinks it long past."""


class SkewedClock:
    """The worker host's wall clock, off by `skew` (the database's stays right)."""

    def __init__(self, skew: timedelta) -> None:
        self.skew = skew

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skew


def skewed(ctx: Context, skew: timedelta) -> Context:
    return replace(ctx, time=BusinessTime(SkewedClock(skew), ctx.time.time_scale))


def status_of(ctx: Context, request_id: uuid.UUID) -> S:
    with ctx.uow() as uow:
        query = select(t.requests.c.status).where(t.requests.c.id == request_id)
        return S(uow.session.execute(query).scalar_one())


@pytest.mark.parametrize("skew", [SKEW, -SKEW], ids=["ahead", "behind"])
def test_a_worker_with_a_wrong_clock_fires_what_the_database_says_is_due(
    ctx: Context, offering: uuid.UUID, skew: timedelta
) -> None:
    due = submitted(replace(ctx, escrow_answer_within=timedelta(0)), offering)
    not_due = submitted(replace(ctx, escrow_answer_within=ANSWER_WITHIN), offering)

    assert fire_due_deadlines(skewed(ctx, skew)) == 1

    assert status_of(ctx, due) is S.EXPIRED
    assert status_of(ctx, not_due) is S.INITIATED


def test_a_worker_two_hours_ahead_sleeps_until_the_database_says_due(
    service: Requests, ctx: Context, offering: uuid.UUID
) -> None:
    """The running worker: the due request fires on time, the one an hour away does not fire,
    and the worker then sleeps (an idle round per 30 s) instead of polling what it thinks
    is overdue."""
    not_due = submitted(replace(ctx, escrow_answer_within=ANSWER_WITHIN), offering)
    soon = submitted(replace(ctx, escrow_answer_within=timedelta(seconds=1)), offering)
    stop = threading.Event()
    worker = threading.Thread(
        target=run_deadlines,
        args=(skewed(ctx, SKEW), stop),
        kwargs={"heartbeat": Heartbeat("deadlines", 60.0)},
    )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    worker.start()
    try:
        expired_at(ctx, soon, patience=10)
        time.sleep(0.5)  # the round after it: read the earliest deadline, go to sleep
        event.listen(service.engine, "before_cursor_execute", count)
        time.sleep(2)
        event.remove(service.engine, "before_cursor_execute", count)
    finally:
        stop.set()
        worker.join(timeout=5)
    assert not worker.is_alive()
    assert status_of(ctx, not_due) is S.INITIATED
    assert statements == []
