"""Accounts: one per member, plus the system accounts `community-fund` and `escrow`.

A member owns two pockets. Their own ledger account holds the hours they may spend (`available`);
their share of the `escrow` account holds the hours set aside for their open requests
(`escrowed`). `total` counts both, so `available = total − escrowed` by construction; the ledger
module explains why every transaction keeps this true.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from hourbank_escrow.domain.amounts import ZERO, cents, non_negative_cents
from hourbank_escrow.domain.errors import InvalidAmount, NotAllowed
from hourbank_escrow.domain.outcomes import Outcome, Refusal
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import HoldFailureReason
from hourbank_shared.contracts.ledger import AccountOpened, CreditLimitChanged


class SystemAccount(StrEnum):
    COMMUNITY_FUND = "community-fund"
    """Source of welcome bonuses and admin adjustments; may go negative."""
    ESCROW = "escrow"
    """Holds the hours of open holds, each posting on behalf of one member."""


AccountRef = UUID | SystemAccount
"""A member's account is named by the member id, a system account by its code."""


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


@dataclass(frozen=True)
class Balance:
    total: Decimal
    escrowed: Decimal

    @property
    def available(self) -> Decimal:
        return self.total - self.escrowed


@dataclass(eq=False)
class Account:
    ref: AccountRef
    total: Decimal = ZERO
    escrowed: Decimal = ZERO
    credit_limit: Decimal = ZERO
    status: AccountStatus = AccountStatus.ACTIVE
    status_sequence: int | None = None
    """The member's version that set `status` (from the members topic)."""
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, member_id: UUID, credit_limit: Decimal = ZERO) -> "Account":
        account = cls(member_id, credit_limit=non_negative_cents(credit_limit))
        account.events.append(AccountOpened(member_id=member_id, credit_limit=account.credit_limit))
        return account

    @property
    def member_id(self) -> UUID | None:
        return self.ref if isinstance(self.ref, UUID) else None

    @property
    def code(self) -> SystemAccount | None:
        return self.ref if isinstance(self.ref, SystemAccount) else None

    @property
    def available(self) -> Decimal:
        return self.total - self.escrowed

    @property
    def balance(self) -> Balance:
        return Balance(self.total, self.escrowed)

    def move(self, delta_total: Decimal, delta_escrowed: Decimal) -> None:
        """Only the ledger calls this, as it posts a transaction."""
        self.total += delta_total
        self.escrowed += delta_escrowed
        self.version += 1

    def can_go_down_by(self, amount: Decimal) -> bool:
        return self.available - amount >= -self.credit_limit

    def suspend(self, sequence: int | None = None) -> Outcome:
        return self._set_status(AccountStatus.SUSPENDED, sequence)

    def reactivate(self, sequence: int | None = None) -> Outcome:
        return self._set_status(AccountStatus.ACTIVE, sequence)

    def change_credit_limit(self, credit_limit: Decimal, by_admin_id: UUID, reason: str) -> Outcome:
        new_limit = non_negative_cents(credit_limit)
        if self.member_id is None:
            raise InvalidAmount(f"the {self.ref} account has no credit limit")
        if not reason.strip():
            raise InvalidAmount("a credit limit change needs a reason")
        if by_admin_id == self.member_id:
            raise NotAllowed("an admin may not set their own credit limit: another admin must")
        if new_limit == self.credit_limit:
            return Outcome.no_op(f"the credit limit is already {new_limit}")
        if self.available < -new_limit:
            return Outcome.refused(
                HoldFailureReason.INSUFFICIENT_BALANCE,
                f"available {self.available} is already below −{new_limit}",
            )
        previous, self.credit_limit = self.credit_limit, new_limit
        self.version += 1
        self.events.append(
            CreditLimitChanged(
                member_id=self.member_id,
                previous=previous,
                credit_limit=new_limit,
                by_admin_id=by_admin_id,
                reason=reason,
            )
        )
        return Outcome.applied()

    def _set_status(self, status: AccountStatus, sequence: int | None) -> Outcome:
        """A change older than the one applied last (a replay, or a reordering) is ignored;
        one without a sequence predates them all."""
        if self.status_sequence is not None and (
            sequence is None or sequence <= self.status_sequence
        ):
            return Outcome.no_op(
                f"member version {sequence} is not newer than {self.status_sequence}, applied"
            )
        changed = self.status is not status
        if changed or sequence is not None:
            self.status, self.status_sequence = status, sequence
            self.version += 1
        if not changed:
            return Outcome.no_op(f"the account is already {status}")
        return Outcome.applied()


def refusal_to_spend(account: Account | None, amount: Decimal) -> Refusal | None:
    """Why `account` may not set `amount` aside for a hold, or None if it may."""
    amount = cents(amount)
    if account is None:
        return Refusal(HoldFailureReason.ACCOUNT_MISSING, "the member has no account")
    # A suspension is not checked here: membership is the requests service's, which refuses a
    # suspended member's submission itself; escrow's copy of it may be behind (a member
    # reactivated there, still suspended here) and must not refuse on that.
    if not account.can_go_down_by(amount):
        return Refusal(
            HoldFailureReason.INSUFFICIENT_BALANCE,
            f"{amount} h needed, {account.available} h available"
            + (f" with a credit limit of {account.credit_limit} h" if account.credit_limit else ""),
        )
    return None
