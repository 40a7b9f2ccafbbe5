"""Admin routes: any member's balance, adjustments, credit limits, reconciliation.

The router requires the admin role once, for every route it holds.
"""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from hourbank_escrow.api.dependencies import Now, ReadSession, Sessions, UnitOfWork
from hourbank_escrow.api.queries import account_of
from hourbank_escrow.api.schemas import (
    AdjustmentIn,
    AdjustmentView,
    BalanceView,
    CreditLimitIn,
    ReconciliationView,
)
from hourbank_escrow.domain import Ledger, Outcome, Result, adjust_balance
from hourbank_escrow.reconciler import reconcile_once
from hourbank_shared.auth import AdminPrincipal, admin_principal
from hourbank_shared.errors import Conflict, NotFound
from hourbank_shared.idempotency import IdempotencyKey

router = APIRouter(prefix="/v1", tags=["admin"], dependencies=[Depends(admin_principal)])

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Refused in the account's current state (problem+json)"}
}


def _no_account(member_id: UUID) -> NotFound:
    return NotFound(f"member {member_id} has no account yet: they must register first")


def _applied(outcome: Outcome) -> None:
    if outcome.result is Result.REFUSED:
        raise Conflict(outcome.detail, reason=outcome.reason)


@router.get("/accounts/{member_id}")
def account(member_id: UUID, session: ReadSession) -> BalanceView:
    """A member's balance."""
    return account_of(session, member_id)


@router.post(
    "/accounts/{member_id}/adjustments",
    status_code=201,
    response_model=AdjustmentView,
    responses=CONFLICT,
)
def adjust(
    member_id: UUID, body: AdjustmentIn, idempotency: IdempotencyKey, uow: UnitOfWork, now: Now
) -> Response:
    """Add hours to a member's balance, or take them, against the community fund."""
    with uow:
        command = uow.idempotent(idempotency)
        if (stored := command.stored()) is not None:
            return stored
        ledger = Ledger(uow.accounts.lock([member_id]), now=now)
        member = ledger.account(member_id)
        if member is None:
            raise _no_account(member_id)
        _applied(adjust_balance(member_id, body.amount, body.reason, ledger))
        uow.save(ledger)
        uow.publish_ledger(ledger)
        view = AdjustmentView(
            transaction_id=ledger.transactions[-1].id, account=BalanceView.model_validate(member)
        )
        response = command.respond(201, view)
        uow.commit()
    return response


@router.put("/accounts/{member_id}/credit-limit", responses=CONFLICT)
def change_credit_limit(
    member_id: UUID, body: CreditLimitIn, admin: AdminPrincipal, uow: UnitOfWork, now: Now
) -> BalanceView:
    """Set how far a member's available balance may go below zero."""
    with uow:
        ledger = Ledger(uow.accounts.lock([member_id], system=False), now=now)
        member = ledger.account(member_id)
        if member is None:
            raise _no_account(member_id)
        _applied(member.change_credit_limit(body.credit_limit, by_admin_id=admin.member_id))
        uow.save(ledger)
        uow.publish_ledger(ledger)
        uow.commit()
    return BalanceView.model_validate(member)


@router.get("/ledger/reconciliation")
def reconciliation(sessions: Sessions) -> ReconciliationView:
    """Check every ledger invariant now, on one consistent snapshot (also updates the metrics)."""
    return ReconciliationView.model_validate(reconcile_once(sessions))
