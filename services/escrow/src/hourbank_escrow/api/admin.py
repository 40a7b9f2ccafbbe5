"""Admin routes: any member's balance, adjustments (a second admin approves large ones),
credit limits, reconciliation. No admin acts on their own account (403).

The router requires the admin role once, for every route it holds.
"""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from hourbank_escrow.api.dependencies import (
    ApprovalThreshold,
    Now,
    ReadSession,
    Sessions,
    UnitOfWork,
)
from hourbank_escrow.api.queries import account_of, pending_adjustments
from hourbank_escrow.api.schemas import (
    AdjustmentIn,
    AdjustmentView,
    BalanceView,
    CreditLimitIn,
    PendingAdjustmentView,
    ReconciliationView,
    RejectionIn,
)
from hourbank_escrow.domain import AdminOrder, Ledger, Outcome, Result, adjust_balance
from hourbank_escrow.domain.approvals import ApprovalStatus, PendingAdjustment, needs_second_admin
from hourbank_escrow.reconciler import reconcile_once
from hourbank_escrow.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth import AdminPrincipal, admin_principal
from hourbank_shared.commands import run_once
from hourbank_shared.contracts.enums import HoldFailureReason
from hourbank_shared.errors import Conflict, NotFound
from hourbank_shared.idempotency import IdempotencyKey
from hourbank_shared.pagination import Cursor, Limit, Page

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
    responses={
        **CONFLICT,
        202: {
            "model": PendingAdjustmentView,
            "description": "Above the approval threshold: waits for a second admin",
        },
        403: {"description": "The admin's own account (problem+json)"},
    },
)
def adjust(
    member_id: UUID,
    body: AdjustmentIn,
    admin: AdminPrincipal,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    now: Now,
    approval_above: ApprovalThreshold,
) -> Response:
    """Add hours to a member's balance, or take them, against the community fund, for a reason.
    Above HOURBANK_ESCROW_ADJUSTMENT_APPROVAL_ABOVE hours it waits (202) for a second admin."""

    def adjust_or_ask(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
        if needs_second_admin(body.amount, approval_above):
            pending = PendingAdjustment.request(
                member_id, body.amount, body.reason, admin.member_id, now
            )
            if not uow.accounts.lock([member_id], system=False):
                raise _no_account(member_id)
            uow.pending_adjustments.save(pending)
            return 202, PendingAdjustmentView.model_validate(pending)
        ledger = Ledger(uow.accounts.lock([member_id]), now=now)
        order = AdminOrder(admin.member_id)
        outcome = adjust_balance(member_id, body.amount, body.reason, ledger, ordered_by=order)
        return 201, _posted(uow, ledger, member_id, outcome)

    return run_once(uow, idempotency, adjust_or_ask)


@router.put(
    "/accounts/{member_id}/credit-limit",
    responses={**CONFLICT, 403: {"description": "The admin's own account (problem+json)"}},
)
def change_credit_limit(
    member_id: UUID, body: CreditLimitIn, admin: AdminPrincipal, uow: UnitOfWork, now: Now
) -> BalanceView:
    """Set how far a member's available balance may go below zero, for a reason."""
    with uow:
        ledger = Ledger(uow.accounts.lock([member_id], system=False), now=now)
        member = ledger.account(member_id)
        if member is None:
            raise _no_account(member_id)
        changed = member.change_credit_limit(body.credit_limit, admin.member_id, body.reason)
        _applied(changed)
        uow.save(ledger)
        uow.publish_ledger(ledger)
        uow.commit()
    return BalanceView.model_validate(member)


@router.get("/ledger/adjustments")
def adjustments(
    session: ReadSession,
    status: ApprovalStatus = ApprovalStatus.PENDING,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PendingAdjustmentView]:
    """Adjustments above the approval threshold, oldest first: by default those waiting."""
    return pending_adjustments(session, status, limit, cursor)


@router.post(
    "/ledger/adjustments/{adjustment_id}/approve",
    response_model=AdjustmentView,
    responses={**CONFLICT, 403: {"description": "The requester or the member (problem+json)"}},
)
def approve(
    adjustment_id: UUID,
    admin: AdminPrincipal,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    now: Now,
) -> Response:
    """A second admin (not the one who asked, not the member) approves: the hours are posted."""

    def approve_and_post(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
        pending = _pending(uow, adjustment_id)
        ledger = Ledger(uow.accounts.lock([pending.member_id]), now=now)
        view = _posted(uow, ledger, pending.member_id, pending.approve(admin.member_id, ledger))
        uow.pending_adjustments.save(pending)  # after the transaction it names
        return 200, view

    return run_once(uow, idempotency, approve_and_post)


@router.post(
    "/ledger/adjustments/{adjustment_id}/reject",
    response_model=PendingAdjustmentView,
    responses={**CONFLICT, 403: {"description": "The requester or the member (problem+json)"}},
)
def reject(
    adjustment_id: UUID,
    body: RejectionIn,
    admin: AdminPrincipal,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    now: Now,
) -> Response:
    """A second admin rejects the adjustment, for a reason: nothing is posted."""

    def reject_it(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
        pending = _pending(uow, adjustment_id)
        _applied(pending.reject(admin.member_id, body.reason, now))
        uow.pending_adjustments.save(pending)
        return 200, PendingAdjustmentView.model_validate(pending)

    return run_once(uow, idempotency, reject_it)


def _posted(
    uow: SqlUnitOfWork, ledger: Ledger, member_id: UUID, outcome: Outcome
) -> AdjustmentView:
    """Saves and publishes an adjustment the domain applied (a refusal raises)."""
    if outcome.reason is HoldFailureReason.ACCOUNT_MISSING:
        raise _no_account(member_id)
    _applied(outcome)
    uow.save(ledger)
    uow.publish_ledger(ledger)
    account = ledger.account(member_id)
    return AdjustmentView(
        transaction_id=ledger.transactions[-1].id, account=BalanceView.model_validate(account)
    )


def _pending(uow: SqlUnitOfWork, adjustment_id: UUID) -> PendingAdjustment:
    pending = uow.pending_adjustments.lock(adjustment_id)
    if pending is None:
        raise NotFound(f"no adjustment {adjustment_id} waits for approval")
    return pending


@router.get("/ledger/reconciliation")
def reconciliation(sessions: Sessions) -> ReconciliationView:
    """Check every ledger invariant now, on one consistent snapshot (also updates the metrics)."""
    return ReconciliationView.model_validate(reconcile_once(sessions))
