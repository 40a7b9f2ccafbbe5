"""Adjustments above a threshold wait for a second admin: four eyes on large amounts.

The requesting admin records the adjustment; another admin (never the requester, never the
member adjusted) approves it, and only then are the hours posted, naming both admins, or
rejects it with a reason.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid4

from hourbank_escrow.domain.amounts import cents
from hourbank_escrow.domain.errors import InvalidAmount, NotAllowed
from hourbank_escrow.domain.ledger import Ledger
from hourbank_escrow.domain.member_accounts import adjust_balance
from hourbank_escrow.domain.outcomes import Outcome, Result
from hourbank_escrow.domain.transactions import AdminOrder
from hourbank_shared.contracts.enums import HoldFailureReason


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


def needs_second_admin(amount: Decimal, approval_above: Decimal) -> bool:
    """An adjustment of more than `approval_above` hours, either way, needs a second admin."""
    return abs(amount) > approval_above


@dataclass(eq=False)
class PendingAdjustment:
    member_id: UUID
    amount: Decimal
    reason: str
    requested_by: UUID
    requested_at: datetime
    status: ApprovalStatus = ApprovalStatus.PENDING
    decided_by: UUID | None = None
    decided_at: datetime | None = None
    rejection_reason: str | None = None
    transaction_id: UUID | None = None
    id: UUID = field(default_factory=uuid4)
    version: int = 0

    @classmethod
    def request(
        cls, member_id: UUID, amount: Decimal, reason: str, requested_by: UUID, now: datetime
    ) -> "PendingAdjustment":
        amount = cents(amount)
        if amount == 0:
            raise InvalidAmount("an adjustment must move some hours")
        if not reason.strip():
            raise InvalidAmount("an adjustment needs a reason")
        if member_id == requested_by:
            raise NotAllowed("an admin may not adjust their own account: another admin must")
        return cls(member_id, amount, reason.strip(), requested_by, now)

    def approve(self, approver: UUID, ledger: Ledger) -> Outcome:
        """Posts the adjustment, ordered by the requester and approved by `approver`."""
        if (refusal := self._undecidable(approver, "approve")) is not None:
            return refusal
        order = AdminOrder(self.requested_by, approved_by=approver)
        outcome = adjust_balance(self.member_id, self.amount, self.reason, ledger, ordered_by=order)
        if outcome.result is Result.APPLIED:
            self.transaction_id = ledger.transactions[-1].id
            self._decide(ApprovalStatus.APPROVED, approver, ledger.now)
        return outcome

    def reject(self, approver: UUID, reason: str, now: datetime) -> Outcome:
        if not reason.strip():
            raise InvalidAmount("a rejection needs a reason")
        if (refusal := self._undecidable(approver, "reject")) is not None:
            return refusal
        self.rejection_reason = reason.strip()
        self._decide(ApprovalStatus.REJECTED, approver, now)
        return Outcome.applied()

    def _undecidable(self, approver: UUID, action: str) -> Outcome | None:
        if approver == self.requested_by:
            raise NotAllowed(f"the admin who asked for an adjustment may not {action} it")
        if approver == self.member_id:
            raise NotAllowed(f"an admin may not {action} an adjustment of their own account")
        if self.status is not ApprovalStatus.PENDING:
            return Outcome.refused(
                HoldFailureReason.INVALID_STATE,
                f"cannot {action} the adjustment: it is {self.status} (allowed only when PENDING)",
            )
        return None

    def _decide(self, status: ApprovalStatus, approver: UUID, now: datetime) -> None:
        self.status, self.decided_by, self.decided_at = status, approver, now
        self.version += 1
