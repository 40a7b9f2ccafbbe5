"""Reconciliation of holds against the ledger: each is resolved at most once, and exactly."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from uuid import UUID

from hourbank_escrow.domain.accounts import SystemAccount
from hourbank_escrow.domain.amounts import ZERO
from hourbank_escrow.domain.holds import RESOLVED, Hold
from hourbank_escrow.domain.transactions import Transaction
from hourbank_escrow.domain.violations import Check, Violation
from hourbank_shared.contracts.enums import TransactionType

PAYOUTS = frozenset(
    {
        TransactionType.ESCROW_RELEASE,
        TransactionType.ESCROW_REFUND,
        TransactionType.DISPUTE_RESOLUTION,
    }
)


def hold_violations(
    transactions: Iterable[Transaction], holds: Iterable[Hold]
) -> Iterator[Violation]:
    by_request: dict[UUID, list[Transaction]] = defaultdict(list)
    for transaction in transactions:
        if transaction.request_id is not None:
            by_request[transaction.request_id].append(transaction)
    known: set[UUID] = set()
    for hold in holds:
        known.add(hold.request_id)
        yield from _resolved_once(hold, by_request[hold.request_id])
        yield from _split(hold, by_request[hold.request_id])
    for request_id in by_request.keys() - known:
        yield Violation(Check.RESOLVED_ONCE, str(request_id), "hours moved for a missing hold")


def _resolved_once(hold: Hold, transactions: list[Transaction]) -> Iterator[Violation]:
    subject = f"hold of request {hold.request_id}"
    if hold.status is None and transactions:
        yield Violation(Check.RESOLVED_ONCE, subject, "hours moved, yet it never held any")
    payouts = Counter(t.type for t in transactions if t.type in PAYOUTS)
    once = all(n == 1 for n in payouts.values())
    if not once or (TransactionType.DISPUTE_RESOLUTION in payouts and len(payouts) > 1):
        yield Violation(Check.RESOLVED_ONCE, subject, f"paid out by {sorted(payouts.elements())}")
    in_escrow = sum(
        (p.amount for t in transactions for p in t.postings if p.account is SystemAccount.ESCROW),
        ZERO,
    )
    expected = hold.amount if hold.is_open else ZERO
    if in_escrow != expected:
        yield Violation(
            Check.RESOLVED_ONCE, subject, f"escrow keeps {in_escrow} for it, not {expected}"
        )


def _split(hold: Hold, transactions: list[Transaction]) -> Iterator[Violation]:
    if hold.status not in RESOLVED:
        return
    subject = f"hold of request {hold.request_id}"
    provider, requester = hold.provider_amount, hold.requester_refund
    if provider is None or requester is None or provider + requester != hold.amount:
        yield Violation(
            Check.SPLIT_SUM, subject, f"{provider} + {requester} do not sum to {hold.amount}"
        )
    paid = _paid(transactions, hold.provider_id, TransactionType.ESCROW_RELEASE)
    back = _paid(transactions, hold.requester_id, TransactionType.ESCROW_REFUND)
    if (paid, back) != (provider, requester):
        yield Violation(
            Check.SPLIT_SUM,
            subject,
            f"the ledger paid {paid} to the provider and {back} back, "
            f"not {provider} and {requester}",
        )


def _paid(transactions: list[Transaction], member_id: UUID, kind: TransactionType) -> Decimal:
    """Hours paid out of the hold to a member's own pocket, by `kind` or the resolution."""
    return sum(
        (
            p.amount
            for t in transactions
            if t.type in (kind, TransactionType.DISPUTE_RESOLUTION)
            for p in t.postings
            if p.account == member_id
        ),
        ZERO,
    )
