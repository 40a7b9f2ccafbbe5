"""`GET /v1/ledger/stats`: the payment success KPI over a window, from escrow's own tables.

`hourbank_escrow_payments_total` counts each completed request's release once: released
(the provider paid) or failed (refused: no hold, or frozen by a dispute). The same, read back:
every `request.completed` escrow handled is in its inbox, and a release that paid posted
transactions caused by that event (docs/metrics.md, KPIs).
"""

from decimal import Decimal

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.api.dependencies import Now, ReadSession
from hourbank_escrow.domain.accounts import SystemAccount
from hourbank_escrow.handlers import CONSUMER
from hourbank_shared.auth import admin_principal
from hourbank_shared.contracts.requests import RequestCompleted
from hourbank_shared.money import Amount
from hourbank_shared.stats_window import Hours, Window, ratio

router = APIRouter(prefix="/v1/ledger", tags=["admin"], dependencies=[Depends(admin_principal)])


class LedgerStats(Window):
    release_attempts: int = Field(
        description="Completed requests whose hold escrow was asked to release in the window."
    )
    releases_paid: int = Field(description="Of those, the releases that paid out.")
    payment_success: float | None = Field(description="releases_paid / release_attempts.")
    transactions_by_type: dict[str, int] = Field(description="Posted in the window.")
    held_hours_now: Amount = Field(description="Hours in open holds now.")
    holds_by_status: dict[str, int] = Field(description="Every hold now, by status.")


@router.get("/stats", responses={403: {"description": "Not an admin (problem+json)"}})
def ledger_stats(session: ReadSession, now: Now, hours: Hours = 24) -> LedgerStats:
    """Admins: the payment success KPI over the window, the ledger's activity, the holds now."""
    window = Window.last(hours, now)
    attempts, paid = _releases(session, window)
    return LedgerStats(
        **window.model_dump(),
        release_attempts=attempts,
        releases_paid=paid,
        payment_success=ratio(paid, attempts),
        transactions_by_type=_transactions(session, window),
        held_hours_now=_held(session),
        holds_by_status=_holds(session),
    )


def _releases(session: Session, window: Window) -> tuple[int, int]:
    inbox, tx = t.inbox.c, t.transactions.c
    paid = exists().where(tx.causation_id == inbox.event_id)
    query = select(func.count(), func.count().filter(paid)).where(
        inbox.consumer == CONSUMER,
        inbox.event_type == RequestCompleted.TYPE,
        inbox.processed_at >= window.since,
        inbox.processed_at <= window.until,
    )
    attempts, released = session.execute(query).one()
    return int(attempts), int(released)


def _transactions(session: Session, window: Window) -> dict[str, int]:
    tx = t.transactions.c
    query = (
        select(tx.type, func.count())
        .where(tx.posted_at >= window.since, tx.posted_at <= window.until)
        .group_by(tx.type)
    )
    return {kind: count for kind, count in session.execute(query)}


def _held(session: Session) -> Decimal:
    query = select(t.accounts.c.total).where(t.accounts.c.ref == str(SystemAccount.ESCROW))
    return session.scalar(query) or Decimal("0.00")


def _holds(session: Session) -> dict[str, int]:
    h = t.holds.c
    query = select(func.coalesce(h.status, "NONE"), func.count()).group_by(h.status)
    return {status: count for status, count in session.execute(query)}
