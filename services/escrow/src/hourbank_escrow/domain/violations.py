"""What reconciliation reports: which invariant failed, where, and how."""

from dataclasses import dataclass
from enum import StrEnum


class Check(StrEnum):
    LEDGER_SUM = "LEDGER_SUM"
    """The balances of all ledger accounts sum to zero."""
    ACCOUNT_POSTINGS = "ACCOUNT_POSTINGS"
    """Each ledger account's balance is the sum of its postings (a member's: `available`)."""
    TOTAL_ENTRIES = "TOTAL_ENTRIES"
    """Each member's total and escrowed are the sums of their entries' deltas."""
    ENTRY_CHAIN = "ENTRY_CHAIN"
    """Each entry starts where the member's previous one ended and matches its transaction."""
    ESCROWED_HOLDS = "ESCROWED_HOLDS"
    """`escrowed` is the sum of the member's open holds; `escrow` holds exactly all of them."""
    CREDIT_LIMIT = "CREDIT_LIMIT"
    """available ≥ −credit_limit."""
    RESOLVED_ONCE = "RESOLVED_ONCE"
    """A hold is paid out by at most one resolution and escrow keeps exactly what it holds."""
    SPLIT_SUM = "SPLIT_SUM"
    """A resolved hold's parts sum to the amount held and match what the ledger paid."""


@dataclass(frozen=True)
class Violation:
    check: Check
    subject: str
    detail: str


@dataclass(frozen=True)
class ReconciliationReport:
    violations: tuple[Violation, ...]
    accounts: int
    transactions: int
    holds: int

    @property
    def ok(self) -> bool:
        return not self.violations
