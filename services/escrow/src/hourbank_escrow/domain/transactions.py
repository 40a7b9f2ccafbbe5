"""Ledger transactions: postings that sum to zero, and the member-side entries they produce.

Both are immutable and only ever appended; a mistake is corrected by a new transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_escrow.domain.accounts import AccountRef, Balance, SystemAccount
from hourbank_escrow.domain.amounts import ZERO, cents
from hourbank_escrow.domain.errors import UnbalancedTransaction
from hourbank_shared.contracts.enums import TransactionType


@dataclass(frozen=True)
class Posting:
    """`amount` hours (signed) on one account; escrow postings say whose hours they are."""

    account: AccountRef
    amount: Decimal
    held_for: UUID | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", cents(self.amount))
        if self.amount == 0:
            raise UnbalancedTransaction("a posting must move some hours")
        if (self.account is SystemAccount.ESCROW) != (self.held_for is not None):
            raise UnbalancedTransaction("escrow postings, and only they, name the member held for")

    @property
    def member_id(self) -> UUID | None:
        """The member whose hours this posting moves (own account or their escrow share)."""
        return self.held_for if self.held_for is not None else _member(self.account)


@dataclass(frozen=True)
class AdminOrder:
    """The admin who ordered a transaction (an adjustment, a dispute's resolution) and the
    second admin who approved it, when its amount needed one."""

    admin_id: UUID
    approved_by: UUID | None = None

    @property
    def admins(self) -> set[UUID]:
        return {self.admin_id} | ({self.approved_by} if self.approved_by else set())


@dataclass(frozen=True)
class Transaction:
    type: TransactionType
    postings: tuple[Posting, ...]
    posted_at: datetime
    causation_id: UUID | None = None
    request_id: UUID | None = None
    dispute_id: UUID | None = None
    reason: str | None = None
    ordered_by: AdminOrder | None = None
    id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        if len(self.postings) < 2:
            raise UnbalancedTransaction(f"{self.type} needs at least two postings")
        imbalance = sum((p.amount for p in self.postings), ZERO)
        if imbalance != 0:
            raise UnbalancedTransaction(f"{self.type} postings sum to {imbalance}, not 0")
        if self.posted_at.tzinfo is None:
            raise UnbalancedTransaction("posted_at must carry a time zone")

    def members(self) -> list[UUID]:
        """Members with a member-side entry in this transaction, in posting order."""
        seen = (p.member_id for p in self.postings if p.member_id is not None)
        return list(dict.fromkeys(seen))

    def system_accounts(self) -> list[SystemAccount]:
        codes = (p.account for p in self.postings if isinstance(p.account, SystemAccount))
        return list(dict.fromkeys(codes))

    def delta_of(self, account: AccountRef) -> Decimal:
        """Change of one ledger account's balance (a member's own pocket, or a system account)."""
        return sum((p.amount for p in self.postings if p.account == account), ZERO)

    def delta_total(self, member_id: UUID) -> Decimal:
        return sum((p.amount for p in self.postings if p.member_id == member_id), ZERO)

    def delta_escrowed(self, member_id: UUID) -> Decimal:
        return sum((p.amount for p in self.postings if p.held_for == member_id), ZERO)


@dataclass(frozen=True)
class Entry:
    """One member's side of a transaction, with their balance before and after it."""

    transaction_id: UUID
    member_id: UUID
    before: Balance
    after: Balance
    id: UUID = field(default_factory=uuid4)

    @property
    def delta_total(self) -> Decimal:
        return self.after.total - self.before.total

    @property
    def delta_escrowed(self) -> Decimal:
        return self.after.escrowed - self.before.escrowed


def into_escrow(member_id: UUID, amount: Decimal) -> list[Posting]:
    """From the member's own pocket into their escrow share: total unchanged."""
    return [
        Posting(member_id, -amount),
        Posting(SystemAccount.ESCROW, amount, held_for=member_id),
    ]


def out_of_escrow(held_for: UUID, payee: UUID, amount: Decimal) -> list[Posting]:
    """From `held_for`'s escrow share to `payee`'s own pocket (themselves, or the provider)."""
    return [
        Posting(SystemAccount.ESCROW, -amount, held_for=held_for),
        Posting(payee, amount),
    ]


def _member(account: AccountRef) -> UUID | None:
    return account if isinstance(account, UUID) else None
