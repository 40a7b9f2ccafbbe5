"""`GET /v1/requests/stats`: the saga's KPIs over a window, from the requests' history.

The same definitions as the Prometheus series (`saga_metrics`), read back from the table those
series are observed from, so an admin gets figures without Prometheus (docs/metrics.md, KPIs).
Included before the requests router: `/stats` is not a request id.
"""

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlalchemy import Float, and_, case, cast, extract, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from hourbank_requests.adapters import tables as t
from hourbank_requests.api.dependencies import Now, ReadSession
from hourbank_requests.domain.lifecycle import TERMINAL
from hourbank_requests.saga_metrics import BEFORE_ACCEPTANCE, ESCROW_UNANSWERED, STEP_ENDED_BY
from hourbank_shared.auth import admin_principal
from hourbank_shared.stats_window import Hours, Window, ratio

router = APIRouter(
    prefix="/v1/requests", tags=["requests", "admin"], dependencies=[Depends(admin_principal)]
)

STEPS = tuple(step for step, _ in STEP_ENDED_BY.values())


class RequestStats(Window):
    submitted: int = Field(description="Requests submitted in the window.")
    sagas_ended: int = Field(description="Requests that reached a terminal status.")
    sagas_failed: int = Field(
        description="Sagas the system failed: submissions expired without escrow's answer "
        "(dead letters are counted by the consumers: GET /v1/dead-letters/<service>)."
    )
    workflow_success: float | None = Field(description="1 - sagas_failed / sagas_ended.")
    ended_by_status: dict[str, int]
    accepted_ended: int = Field(description="Ended requests that had been ACCEPTED.")
    paid: int = Field(description="Of those, the ones that ended PAID.")
    completion_rate: float | None = Field(description="paid / accepted_ended.")
    step_p99_seconds: dict[str, float | None] = Field(
        description="Per saga step (submit, accept, complete), the 99th percentile of its "
        "duration, for the steps that ended in the window."
    )
    execution_time_p99_seconds: float | None = Field(description="The slowest step's p99.")


@router.get("/stats", responses={403: {"description": "Not an admin (problem+json)"}})
def request_stats(session: ReadSession, now: Now, hours: Hours = 24) -> RequestStats:
    """Admins: the workflow success, completion rate and execution time KPIs over the window."""
    window = Window.last(hours, now)
    ended = _ended(session, window)
    accepted = sum(count for (_, was_accepted), count in ended.items() if was_accepted)
    paid = ended.get(("PAID", True), 0)
    total = sum(ended.values())
    failed = _count(session, window, t.history.c.trigger == ESCROW_UNANSWERED)
    steps = _step_p99(session, window)
    by_status: dict[str, int] = {}
    for (status, _), count in ended.items():
        by_status[status] = by_status.get(status, 0) + count
    known = [seconds for seconds in steps.values() if seconds is not None]
    success = ratio(failed, total)
    return RequestStats(
        **window.model_dump(),
        submitted=_submitted(session, window),
        sagas_ended=total,
        sagas_failed=failed,
        workflow_success=None if success is None else round(1 - success, 4),
        ended_by_status=by_status,
        accepted_ended=accepted,
        paid=paid,
        completion_rate=ratio(paid, accepted),
        step_p99_seconds=steps,
        execution_time_p99_seconds=max(known) if known else None,
    )


def _in(window: Window) -> Any:
    return and_(t.history.c.at >= window.since, t.history.c.at <= window.until)


def _count(session: Session, window: Window, condition: Any) -> int:
    query = select(func.count()).where(_in(window), condition)
    return int(session.scalar(query) or 0)


def _submitted(session: Session, window: Window) -> int:
    c = t.requests.c
    query = select(func.count()).where(c.created_at >= window.since, c.created_at <= window.until)
    return int(session.scalar(query) or 0)


def _ended(session: Session, window: Window) -> dict[tuple[str, bool], int]:
    """(terminal status, had been accepted) → requests that entered it in the window."""
    h = t.history.c
    terminal = [str(status) for status in TERMINAL]
    accepted = or_(h.from_status.is_(None), not_(h.from_status.in_(_names(BEFORE_ACCEPTANCE))))
    query = (
        select(h.to_status, accepted.label("accepted"), func.count())
        .where(_in(window), h.to_status.in_(terminal))
        .where(or_(h.from_status.is_(None), not_(h.from_status.in_(terminal))))
        .group_by(h.to_status, "accepted")
    )
    return {(status, bool(was)): count for status, was, count in session.execute(query)}


def _step_p99(session: Session, window: Window) -> dict[str, float | None]:
    """Each step's p99: from the request's last entry into the status the step began in to the
    entry of escrow's answer that ended it (as `saga_metrics` observes it)."""
    end, start = t.history.alias("ended"), aliased(t.history, name="began")
    began_in = case(
        {trigger: str(status) for trigger, (_, status) in STEP_ENDED_BY.items()},
        value=end.c.trigger,
    )
    began_at = (
        select(func.max(start.c.at))
        .where(
            start.c.request_id == end.c.request_id,
            start.c.seq < end.c.seq,
            start.c.to_status == began_in,
        )
        .scalar_subquery()
    )
    seconds = func.greatest(cast(extract("epoch", end.c.at - began_at), Float), 0.0)
    query = (
        select(end.c.trigger, func.percentile_cont(0.99).within_group(seconds))
        .where(end.c.at >= window.since, end.c.at <= window.until)
        .where(end.c.trigger.in_(list(STEP_ENDED_BY)), began_at.is_not(None))
        .group_by(end.c.trigger)
    )
    found = {STEP_ENDED_BY[trigger][0]: p99 for trigger, p99 in session.execute(query)}
    return {step: _rounded(found.get(step)) for step in STEPS}


def _names(statuses: frozenset[Any]) -> list[str]:
    return [str(status) for status in statuses]


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds), 3)
