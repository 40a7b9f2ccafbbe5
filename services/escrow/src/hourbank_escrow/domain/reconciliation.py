"""Reconciliation: every ledger invariant of SPEC §3, checked from the stored state alone."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from hourbank_escrow.domain.accounts import Account, AccountRef, Balance, SystemAccount
from hourbank_escrow.domain.amounts import ZERO
from hourbank_escrow.domain.hold_checks import hold_violations
from hourbank_escrow.domain.holds import Hold
from hourbank_escrow.domain.transactions import Entry, Transaction
from hourbank_escrow.domain.violations import Check, ReconciliationReport, Violation


def reconcile(
    accounts: Iterable[Account],
    transactions: Iterable[Transaction],
    entries: Iterable[Entry],
    holds: Iterable[Hold],
) -> ReconciliationReport:
    """`entries` in the order they were posted; the other collections in any order."""
    state = _State(list(accounts), list(transactions), list(entries), list(holds))
    violations = (
        *_ledger_sum(state),
        *_account_postings(state),
        *_member_entries(state),
        *_open_holds(state),
        *_credit_limits(state),
        *hold_violations(state.transactions, state.holds),
    )
    return ReconciliationReport(
        violations, len(state.accounts), len(state.transactions), len(state.holds)
    )


@dataclass(frozen=True)
class _State:
    accounts: list[Account]
    transactions: list[Transaction]
    entries: list[Entry]
    holds: list[Hold]

    def members(self) -> list[Account]:
        return [account for account in self.accounts if account.member_id is not None]


def _ledger_balance(account: Account) -> Decimal:
    """A member's ledger account is their own pocket; their escrow share sits in `escrow`."""
    return account.available if account.member_id is not None else account.total


def _ledger_sum(state: _State) -> Iterator[Violation]:
    total = sum((_ledger_balance(a) for a in state.accounts), ZERO)
    if total != 0:
        yield Violation(Check.LEDGER_SUM, "ledger", f"the accounts sum to {total}, not 0")


def _account_postings(state: _State) -> Iterator[Violation]:
    posted: dict[AccountRef, Decimal] = defaultdict(lambda: ZERO)
    for transaction in state.transactions:
        for posting in transaction.postings:
            posted[posting.account] += posting.amount
    known = {account.ref for account in state.accounts}
    for ref in posted.keys() - known:
        yield Violation(Check.ACCOUNT_POSTINGS, str(ref), "postings on an account that is missing")
    for account in state.accounts:
        balance, expected = _ledger_balance(account), posted[account.ref]
        if balance != expected:
            what = "available" if account.member_id is not None else "balance"
            yield Violation(
                Check.ACCOUNT_POSTINGS,
                str(account.ref),
                f"{what} is {balance} but its postings sum to {expected}",
            )


def _member_entries(state: _State) -> Iterator[Violation]:
    by_id = {transaction.id: transaction for transaction in state.transactions}
    running: dict[UUID, Balance] = defaultdict(lambda: Balance(ZERO, ZERO))
    seen: set[tuple[UUID, UUID]] = set()
    for entry in state.entries:
        subject, previous = f"{entry.member_id} entry {entry.id}", running[entry.member_id]
        if entry.before != previous:
            detail = f"starts at {entry.before}, the previous entry ended at {previous}"
            yield Violation(Check.ENTRY_CHAIN, subject, detail)
        running[entry.member_id] = entry.after
        seen.add((entry.transaction_id, entry.member_id))
        transaction = by_id.get(entry.transaction_id)
        if transaction is None:
            yield Violation(Check.ENTRY_CHAIN, subject, "its transaction is missing")
        elif (entry.delta_total, entry.delta_escrowed) != (
            transaction.delta_total(entry.member_id),
            transaction.delta_escrowed(entry.member_id),
        ):
            yield Violation(Check.ENTRY_CHAIN, subject, "its deltas differ from its postings")
    for transaction in state.transactions:
        for member_id in transaction.members():
            if (transaction.id, member_id) not in seen:
                detail = f"no entry for transaction {transaction.id}"
                yield Violation(Check.ENTRY_CHAIN, str(member_id), detail)
    for account in state.members():
        assert account.member_id is not None
        summed = running[account.member_id]
        if account.balance != summed:
            yield Violation(
                Check.TOTAL_ENTRIES,
                str(account.ref),
                f"holds {account.balance} but its entries sum to {summed}",
            )


def _open_holds(state: _State) -> Iterator[Violation]:
    held: dict[UUID, Decimal] = defaultdict(lambda: ZERO)
    for hold in state.holds:
        if hold.is_open:
            held[hold.requester_id] += hold.amount
    for account in state.members():
        assert account.member_id is not None
        if account.escrowed != held[account.member_id]:
            yield Violation(
                Check.ESCROWED_HOLDS,
                str(account.ref),
                f"escrowed is {account.escrowed}, its open holds sum to {held[account.member_id]}",
            )
    all_held = sum(held.values(), ZERO)
    for account in state.accounts:
        if account.ref is SystemAccount.ESCROW and account.total != all_held:
            yield Violation(
                Check.ESCROWED_HOLDS,
                str(account.ref),
                f"escrow holds {account.total}, the open holds sum to {all_held}",
            )


def _credit_limits(state: _State) -> Iterator[Violation]:
    for account in state.members():
        if account.available < -account.credit_limit:
            yield Violation(
                Check.CREDIT_LIMIT,
                str(account.ref),
                f"available {account.available} is below −{account.credit_limit}",
            )
