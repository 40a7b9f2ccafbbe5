"""Account and ledger events, published by the escrow service (keyed by member)."""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import TransactionType
from hourbank_shared.contracts.fields import AdminId, UtcDateTime
from hourbank_shared.money import Amount, NonNegativeAmount


class LedgerEvent(Event):
    TOPIC = topics.LEDGER
    KEY = "member_id"

    member_id: UUID = Field(description="The account's member (Kafka key).")


class AccountOpened(LedgerEvent):
    """A member's account was opened (before any welcome bonus)."""

    TYPE = "hourbank.account.opened.v1"

    credit_limit: NonNegativeAmount = Field(description="How far `available` may go below zero.")


class BalanceChanged(LedgerEvent):
    """One member-side posting of a ledger transaction; summing `delta_total` gives balances."""

    TYPE = "hourbank.ledger.balance_changed.v1"

    transaction_id: UUID = Field(description="The ledger transaction (all its postings sum to 0).")
    transaction_type: TransactionType = Field(description="What kind of transaction it is.")
    entry_id: UUID = Field(description="The member-side ledger entry.")
    request_id: UUID | None = Field(None, description="The related service request, if any.")
    dispute_id: UUID | None = Field(None, description="The related dispute, if any.")
    delta_total: Amount = Field(description="Change of the member's total balance.")
    delta_escrowed: Amount = Field(description="Change of the hours held in escrow for them.")
    total_before: Amount = Field(description="Total balance before the posting.")
    total_after: Amount = Field(description="Total balance after the posting.")
    escrowed_before: NonNegativeAmount = Field(description="Escrowed hours before.")
    escrowed_after: NonNegativeAmount = Field(description="Escrowed hours after.")
    available_before: Amount = Field(description="total - escrowed before.")
    available_after: Amount = Field(description="total - escrowed after.")
    reason: str | None = Field(
        None, description="Why: the admin's reason or note, or what a bonus is for."
    )
    posted_at: UtcDateTime = Field(description="When the transaction was posted (UTC).")
    by_admin_id: UUID | None = Field(
        None,
        description="The admin who ordered the transaction (an adjustment, a dispute's "
        "resolution); absent for the saga's own transactions and before it was introduced.",
    )
    approved_by_admin_id: UUID | None = Field(
        None,
        description="The second admin who approved an adjustment above the approval "
        "threshold; absent when none was needed.",
    )


class CreditLimitChanged(LedgerEvent):
    """An admin changed how far a member's available balance may go below zero."""

    TYPE = "hourbank.account.credit_limit_changed.v1"

    previous: NonNegativeAmount = Field(description="The credit limit before.")
    credit_limit: NonNegativeAmount = Field(description="The credit limit now.")
    by_admin_id: AdminId
    reason: str | None = Field(
        None, description="Why the admin changed it; absent before it was required."
    )
