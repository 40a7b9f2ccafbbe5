"""An in-memory stand-in for the escrow service's storage, for driving the domain in tests.

Each command gets a fresh `Ledger` over all accounts, as a unit of work would load them, and what
it posts is kept in order.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_escrow.domain import (
    Account,
    AccountRef,
    Entry,
    Hold,
    Ledger,
    Outcome,
    ReconciliationReport,
    SystemAccount,
    Transaction,
    open_account,
    reconcile,
)
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import DisputeResolution, HoldStatus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def h(value: str) -> Decimal:
    return Decimal(value)


class Bank:
    def __init__(self) -> None:
        self.accounts: dict[AccountRef, Account] = {code: Account(code) for code in SystemAccount}
        self.transactions: list[Transaction] = []
        self.entries: list[Entry] = []
        self.holds: dict[UUID, Hold] = {}

    def run(self, command: Callable[[Ledger], Outcome]) -> Outcome:
        ledger = Ledger(self.accounts.values(), now=NOW, causation_id=uuid4())
        outcome = command(ledger)
        self.accounts.update(ledger.accounts)
        self.transactions += ledger.transactions
        self.entries += ledger.entries
        return outcome

    def member(self, bonus: str = "3.00", credit_limit: str = "0") -> UUID:
        member_id = uuid4()
        self.run(lambda ledger: open_account(member_id, ledger, h(bonus), h(credit_limit)))
        return member_id

    def account(self, ref: AccountRef) -> Account:
        return self.accounts[ref]

    def balance(self, ref: AccountRef) -> tuple[Decimal, Decimal, Decimal]:
        """(total, escrowed, available)"""
        account = self.accounts[ref]
        return account.total, account.escrowed, account.available

    def new_hold(self, requester: UUID, provider: UUID) -> Hold:
        hold = Hold(uuid4(), requester, provider)
        self.holds[hold.request_id] = hold
        return hold

    def report(self) -> ReconciliationReport:
        return reconcile(
            self.accounts.values(), self.transactions, self.entries, self.holds.values()
        )

    def events(self) -> list[Event]:
        owners = [*self.accounts.values(), *self.holds.values()]
        return [event for owner in owners for event in owner.events]

    def clear_events(self) -> None:
        for owner in [*self.accounts.values(), *self.holds.values()]:
            owner.events.clear()


class Scene:
    """A requester with 3.00 h, a provider with 3.00 h, and one hold between them."""

    def __init__(self, bonus: str = "3.00", credit_limit: str = "0") -> None:
        self.bank = Bank()
        self.requester = self.bank.member(bonus, credit_limit)
        self.provider = self.bank.member()
        self.hold = self.bank.new_hold(self.requester, self.provider)
        self.dispute = uuid4()
        self.bank.clear_events()

    def place(self, amount: str = "2.00") -> Outcome:
        return self.bank.run(lambda ledger: self.hold.place(h(amount), ledger))

    def adjust(self, amount: str) -> Outcome:
        return self.bank.run(lambda ledger: self.hold.adjust(h(amount), ledger))

    def release(self, provider_amount: str) -> Outcome:
        return self.bank.run(lambda ledger: self.hold.release(h(provider_amount), ledger))

    def refund(self) -> Outcome:
        return self.bank.run(self.hold.refund)

    def freeze(self, dispute: UUID | None = None) -> Outcome:
        return self.hold.freeze(dispute or self.dispute)

    def unfreeze(self, dispute: UUID | None = None) -> Outcome:
        return self.hold.unfreeze(dispute or self.dispute)

    def settle(
        self,
        resolution: DisputeResolution = DisputeResolution.PAY_PROVIDER,
        provider_amount: str | None = None,
        dispute: UUID | None = None,
    ) -> Outcome:
        amount = h(provider_amount) if provider_amount is not None else None
        return self.bank.run(
            lambda ledger: self.hold.settle(dispute or self.dispute, resolution, ledger, amount)
        )

    def into(self, state: str) -> "Scene":
        """Brings the hold into `state`: a HoldStatus name, "none", "failed" or "ended"."""
        steps: dict[str, Callable[[], object]] = {
            "none": lambda: None,
            "failed": lambda: self.place("99.00"),
            "ended": self.refund,
            HoldStatus.HELD: self.place,
            HoldStatus.FROZEN: lambda: (self.place(), self.freeze()),
            HoldStatus.RELEASED: lambda: (self.place(), self.release("1.50")),
            HoldStatus.REFUNDED: lambda: (self.place(), self.refund()),
            HoldStatus.SETTLED: lambda: (self.place(), self.freeze(), self.settle()),
        }
        steps[state]()
        self.bank.clear_events()
        return self
