"""`GET /v1/disputes/stats`: the dispute resolution KPI over a window, from the disputes table.

The same measure as `hourbank_dispute_resolution_seconds` (opening → an admin's decision),
read back from the rows it is observed on (docs/metrics.md, KPIs). Included before the
disputes router: `/stats` is not a dispute id.
"""

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlalchemy import ColumnElement, Float, cast, extract, func, select
from sqlalchemy.orm import Session

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.api.dependencies import Now, ReadSession
from hourbank_disputes.domain.status import OPEN, DisputeState
from hourbank_shared.auth import admin_principal
from hourbank_shared.stats_window import Hours, Window

router = APIRouter(
    prefix="/v1/disputes", tags=["disputes", "admin"], dependencies=[Depends(admin_principal)]
)

c = t.disputes.c
DECIDED = (DisputeState.RESOLVED, DisputeState.DISMISSED)


class DisputeStats(Window):
    opened: int = Field(description="Disputes opened in the window.")
    closed_by_status: dict[str, int] = Field(
        description="Disputes closed in the window: RESOLVED, DISMISSED (an admin's decision) "
        "and REFUSED (the request could not be disputed)."
    )
    decided: int = Field(description="RESOLVED + DISMISSED in the window.")
    open_now: int = Field(description="OPEN or UNDER_REVIEW now, whenever opened.")
    unassigned_now: int = Field(description="OPEN now: no admin has taken them yet.")
    resolution_p50_seconds: float | None = Field(
        description="Median time from opening to an admin's decision, of those decided."
    )
    resolution_p95_seconds: float | None = Field(description="Its 95th percentile: the KPI.")


@router.get("/stats", responses={403: {"description": "Not an admin (problem+json)"}})
def dispute_stats(session: ReadSession, now: Now, hours: Hours = 24) -> DisputeStats:
    """Admins: disputes opened and decided in the window, the queue now, and how long a
    decision took (the dispute resolution KPI)."""
    window = Window.last(hours, now)
    closed = _closed(session, window)
    p50, p95 = _decision_percentiles(session, window)
    return DisputeStats(
        **window.model_dump(),
        opened=_count(session, c.created_at >= window.since, c.created_at <= window.until),
        closed_by_status=closed,
        decided=sum(closed.get(str(status), 0) for status in DECIDED),
        open_now=_count(session, c.status.in_([str(status) for status in OPEN])),
        unassigned_now=_count(session, c.status == str(DisputeState.OPEN)),
        resolution_p50_seconds=p50,
        resolution_p95_seconds=p95,
    )


def _count(session: Session, *conditions: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(t.disputes).where(*conditions)) or 0)


def _closed(session: Session, window: Window) -> dict[str, int]:
    query = (
        select(c.status, func.count())
        .where(c.closed_at >= window.since, c.closed_at <= window.until)
        .group_by(c.status)
    )
    return {status: count for status, count in session.execute(query)}


def _decision_percentiles(session: Session, window: Window) -> tuple[float | None, float | None]:
    seconds = cast(extract("epoch", c.closed_at - c.created_at), Float)
    query = select(
        func.percentile_cont(0.5).within_group(seconds),
        func.percentile_cont(0.95).within_group(seconds),
    ).where(
        c.closed_at >= window.since,
        c.closed_at <= window.until,
        c.status.in_([str(status) for status in DECIDED]),
    )
    p50, p95 = session.execute(query).one()
    return _rounded(p50), _rounded(p95)


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds), 3)
