"""The ledger, as one command sees it: the accounts it loaded and what it posts to them.

Accounting model. The ledger's accounts are each member's own pocket, `community-fund` and
`escrow`. Every transaction's postings sum to zero, so the balances of these accounts always sum
to zero. Each escrow posting names the member whose hours it holds, which splits `escrow` into one
share per member. A member's

- `available` is the balance of their own pocket,
- `escrowed` is their share of `escrow`, i.e. the sum of their open holds,
- `total` is both together (the hours they own, held or not),

so `available = total − escrowed` always, `total` is the sum of their entries' deltas, and the
sum of all members' totals plus `community-fund` is zero too (the `escrow` account is exactly the
members' escrowed shares). A hold moves hours from the requester's pocket into their share of
`escrow` (total unchanged, escrowed up, available down); a release moves them from that share to
the provider's pocket (the requester's total and escrowed go down, the provider's total up); a
refund moves them back to the requester's pocket.
"""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from hourbank_escrow.domain.accounts import Account, AccountRef, Balance
from hourbank_escrow.domain.amounts import ZERO
from hourbank_escrow.domain.errors import UnbalancedTransaction, UnknownAccount
from hourbank_escrow.domain.transactions import AdminOrder, Entry, Posting, Transaction
from hourbank_shared.contracts.enums import TransactionType
from hourbank_shared.contracts.ledger import BalanceChanged


class Ledger:
    """Built per command: `now` and `causation_id` (the consumed event, if any) stamp what it
    posts."""

    def __init__(
        self, accounts: Iterable[Account], *, now: datetime, causation_id: UUID | None = None
    ) -> None:
        self.now = now
        self.causation_id = causation_id
        self.accounts: dict[AccountRef, Account] = {}
        self.transactions: list[Transaction] = []
        self.entries: list[Entry] = []
        for account in accounts:
            self.add(account)

    def account(self, ref: AccountRef) -> Account | None:
        return self.accounts.get(ref)

    def add(self, account: Account) -> None:
        self.accounts[account.ref] = account

    def post(
        self,
        type_: TransactionType,
        postings: Iterable[Posting],
        *,
        request_id: UUID | None = None,
        dispute_id: UUID | None = None,
        reason: str | None = None,
        ordered_by: AdminOrder | None = None,
    ) -> Transaction:
        transaction = Transaction(
            type=type_,
            postings=tuple(postings),
            posted_at=self.now,
            causation_id=self.causation_id,
            request_id=request_id,
            dispute_id=dispute_id,
            reason=reason,
            ordered_by=ordered_by,
        )
        self._check_all_loaded(transaction)
        entries = [self._entry(transaction, member) for member in transaction.members()]
        # Build the events first: they validate the new balances before any account changes.
        changes = [_balance_changed(transaction, entry) for entry in entries]
        for code in transaction.system_accounts():
            self._loaded(code).move(transaction.delta_of(code), ZERO)
        for entry, change in zip(entries, changes, strict=True):
            account = self._loaded(entry.member_id)
            account.move(entry.delta_total, entry.delta_escrowed)
            account.events.append(change)
        self.transactions.append(transaction)
        self.entries += entries
        return transaction

    def _entry(self, transaction: Transaction, member: UUID) -> Entry:
        before = self._loaded(member).balance
        after = Balance(
            before.total + transaction.delta_total(member),
            before.escrowed + transaction.delta_escrowed(member),
        )
        if after.escrowed < 0:
            raise UnbalancedTransaction(
                f"{transaction.type} would take more out of escrow than is held for {member}"
            )
        return Entry(transaction.id, member, before, after)

    def _loaded(self, ref: AccountRef) -> Account:
        account = self.accounts.get(ref)
        if account is None:
            raise UnknownAccount(f"account {ref} is not loaded")
        return account

    def _check_all_loaded(self, transaction: Transaction) -> None:
        for posting in transaction.postings:
            self._loaded(posting.account)
            if posting.member_id is not None:
                self._loaded(posting.member_id)


def _balance_changed(transaction: Transaction, entry: Entry) -> BalanceChanged:
    order = transaction.ordered_by
    return BalanceChanged(
        member_id=entry.member_id,
        transaction_id=transaction.id,
        transaction_type=transaction.type,
        entry_id=entry.id,
        request_id=transaction.request_id,
        dispute_id=transaction.dispute_id,
        delta_total=entry.delta_total,
        delta_escrowed=entry.delta_escrowed,
        total_before=entry.before.total,
        total_after=entry.after.total,
        escrowed_before=entry.before.escrowed,
        escrowed_after=entry.after.escrowed,
        available_before=entry.before.available,
        available_after=entry.after.available,
        reason=transaction.reason,
        posted_at=transaction.posted_at,
        by_admin_id=order.admin_id if order else None,
        approved_by_admin_id=order.approved_by if order else None,
    )
