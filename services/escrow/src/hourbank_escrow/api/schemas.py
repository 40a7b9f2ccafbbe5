"""What the escrow API accepts and returns; hours are strings with two decimals."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hourbank_escrow.domain import AccountStatus, Check
from hourbank_escrow.domain.approvals import ApprovalStatus
from hourbank_shared.contracts.enums import HoldStatus, TransactionType
from hourbank_shared.money import Amount, NonNegativeAmount, SignedAmountInput


class View(BaseModel):
    """Read from the domain object's attributes of the same names."""

    model_config = ConfigDict(from_attributes=True)


class BalanceStatus(StrEnum):
    ACTIVE = AccountStatus.ACTIVE.value
    SUSPENDED = AccountStatus.SUSPENDED.value
    OPENING = "OPENING"
    """No account yet: escrow opens it (with the welcome bonus) when the member's
    registration, or their first request, reaches it, usually within a second."""


class BalanceView(View):
    member_id: UUID
    total: Amount = Field(description="Hours owned, held or not.")
    available: Amount = Field(description="total − escrowed: what the member may spend.")
    escrowed: NonNegativeAmount = Field(description="Hours held for the member's open requests.")
    credit_limit: NonNegativeAmount = Field(description="How far `available` may go below zero.")
    status: BalanceStatus = Field(
        description="ACTIVE or SUSPENDED; OPENING (all zeros) until escrow has opened the "
        "account of a member who just registered."
    )


class BalancesView(View):
    total: Amount
    escrowed: NonNegativeAmount
    available: Amount


class TransactionView(BaseModel):
    """The member's side of one ledger transaction."""

    entry_id: UUID
    transaction_id: UUID
    type: TransactionType
    request_id: UUID | None
    dispute_id: UUID | None
    reason: str | None = Field(description="The admin's reason or note, or what it is for.")
    by_admin_id: UUID | None = Field(
        description="The admin who ordered it (an adjustment, a dispute's resolution)."
    )
    approved_by_admin_id: UUID | None = Field(
        description="The second admin who approved an adjustment above the threshold."
    )
    delta_total: Amount
    delta_escrowed: Amount
    before: BalancesView
    after: BalancesView
    posted_at: datetime


class PostingView(BaseModel):
    account: str = Field(description="A member's id, or `escrow` / `community-fund`.")
    amount: Amount = Field(description="Into the account (positive) or out of it.")


class HoldMoveView(BaseModel):
    """One ledger transaction of the request: the hold placed, adjusted, paid out, refunded,
    settled by a dispute."""

    transaction_id: UUID
    type: TransactionType
    posted_at: datetime
    escrowed_delta: Amount = Field(description="How the hold's hours changed (+ held, − out).")
    postings: list[PostingView]
    dispute_id: UUID | None
    reason: str | None
    by_admin_id: UUID | None


class EscrowView(View):
    request_id: UUID
    status: HoldStatus | None = Field(description="null if the hold never held any hours.")
    amount: NonNegativeAmount
    requester_id: UUID
    provider_id: UUID
    dispute_id: UUID | None
    provider_amount: NonNegativeAmount | None
    requester_refund: NonNegativeAmount | None
    moves: list[HoldMoveView] = Field(
        default_factory=list, description="The hold's transactions, oldest first."
    )


def _not_zero(amount: Decimal) -> Decimal:
    if amount == 0:
        raise ValueError("an adjustment must move some hours")
    return amount


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AdjustmentIn(BaseModel):
    amount: Annotated[SignedAmountInput, AfterValidator(_not_zero)] = Field(
        description="Hours to add (positive) or take (negative), two decimals, not 0."
    )
    reason: Reason


class AdjustmentView(BaseModel):
    transaction_id: UUID
    account: BalanceView


class PendingAdjustmentView(View):
    """An adjustment above the approval threshold: posted once another admin approves it."""

    id: UUID
    member_id: UUID
    amount: Amount
    reason: str
    requested_by: UUID = Field(description="The admin who asked for it.")
    requested_at: datetime
    status: ApprovalStatus
    decided_by: UUID | None = Field(description="The admin who approved or rejected it.")
    decided_at: datetime | None
    rejection_reason: str | None
    transaction_id: UUID | None = Field(description="The ledger transaction, once approved.")


class RejectionIn(BaseModel):
    reason: Reason


class CreditLimitIn(BaseModel):
    credit_limit: NonNegativeAmount
    reason: Reason


class ViolationView(View):
    check: Check
    subject: str
    detail: str


class ReconciliationView(View):
    ok: bool
    accounts: int
    transactions: int
    holds: int
    violations: list[ViolationView]
