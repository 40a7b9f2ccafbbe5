"""Sagas that stayed in a status longer than it allows: what an operator should look at.

Every non-terminal status has a way out. Some wait for a member, who can always act (cancel,
decline, dispute) and is not listed: ACCEPTED and IN_PROGRESS have no limit. The others wait
for the system or for an admin, and are listed once they wait longer than this:

- a running deadline (INITIATED's escrow answer, the response, negotiation and confirmation
  windows) that is `DEADLINE_GRACE` past due: the deadlines worker is not running;
- NEGOTIATING with an accepted offer, or COMPLETED, for longer than `ESCROW_GRACE`: escrow
  has not adjusted or released the hold (a dead letter, or escrow is down);
- DISPUTED for longer than `DISPUTE_HOURS` business hours: no admin has decided.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hourbank_requests.adapters import tables as t
from hourbank_shared.clock import BusinessTime
from hourbank_shared.contracts.enums import RequestStatus

DEADLINE_GRACE = timedelta(minutes=1)
ESCROW_GRACE = timedelta(minutes=5)
DISPUTE_HOURS = 48


@dataclass(frozen=True)
class OverdueRequest:
    request_id: UUID
    status: RequestStatus
    since: datetime
    """When the request last changed (or, with a deadline, when it fell due)."""
    waiting_for: str


def overdue_requests(
    session: Session, time: BusinessTime, limit: int = 500
) -> list[OverdueRequest]:
    """The oldest first, at most `limit`."""
    now = time.clock.now()
    c = t.requests.c
    deadline_missed = c.deadline_at < now - DEADLINE_GRACE
    escrow_late = and_(
        or_(
            c.status == str(RequestStatus.COMPLETED),
            and_(c.status == str(RequestStatus.NEGOTIATING), c.offer_accepted),
        ),
        c.updated_at < now - ESCROW_GRACE,
    )
    dispute_late = and_(
        c.status == str(RequestStatus.DISPUTED),
        c.updated_at < now - time.window(DISPUTE_HOURS),
    )
    query = (
        select(c.id, c.status, c.deadline_at, c.updated_at)
        .where(or_(deadline_missed, escrow_late, dispute_late))
        .order_by(c.updated_at)
        .limit(limit)
    )
    return [
        _overdue(row.id, RequestStatus(row.status), row.deadline_at, row.updated_at)
        for row in session.execute(query)
    ]


def _overdue(
    request_id: UUID, status: RequestStatus, deadline_at: datetime | None, updated_at: datetime
) -> OverdueRequest:
    if status is RequestStatus.DISPUTED:
        return OverdueRequest(request_id, status, updated_at, "an admin to resolve the dispute")
    if deadline_at is not None:
        return OverdueRequest(
            request_id, status, deadline_at, "the deadlines worker to fire its deadline"
        )
    action = "release" if status is RequestStatus.COMPLETED else "adjust"
    return OverdueRequest(
        request_id,
        status,
        updated_at,
        f"escrow to {action} the hold (check escrow's dead letters: hourbank-dlq list escrow)",
    )
