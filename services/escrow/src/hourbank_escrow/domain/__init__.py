"""The escrow service's domain: accounts, the double-entry ledger, escrow holds, reconciliation.

Pure Python: no I/O. Operations change the objects they are given, post to a `Ledger` built for
the command, and record the contract events to publish in the `events` of the accounts and holds
they touch. `ledger` explains the accounting model, `holds` what each operation does in each
status.
"""

from hourbank_escrow.domain.accounts import (
    Account,
    AccountRef,
    AccountStatus,
    Balance,
    SystemAccount,
)
from hourbank_escrow.domain.amounts import WELCOME_BONUS
from hourbank_escrow.domain.errors import (
    EscrowDomainError,
    InvalidAmount,
    NotAllowed,
    UnbalancedTransaction,
    UnknownAccount,
)
from hourbank_escrow.domain.holds import Hold, Tombstone
from hourbank_escrow.domain.ledger import Ledger
from hourbank_escrow.domain.member_accounts import adjust_balance, open_account
from hourbank_escrow.domain.outcomes import Outcome, Result
from hourbank_escrow.domain.reconciliation import reconcile
from hourbank_escrow.domain.transactions import AdminOrder, Entry, Posting, Transaction
from hourbank_escrow.domain.violations import Check, ReconciliationReport, Violation

__all__ = [
    "WELCOME_BONUS",
    "Account",
    "AccountRef",
    "AccountStatus",
    "AdminOrder",
    "Balance",
    "Check",
    "Entry",
    "EscrowDomainError",
    "Hold",
    "InvalidAmount",
    "Ledger",
    "NotAllowed",
    "Outcome",
    "Posting",
    "ReconciliationReport",
    "Result",
    "SystemAccount",
    "Tombstone",
    "Transaction",
    "UnbalancedTransaction",
    "UnknownAccount",
    "Violation",
    "adjust_balance",
    "open_account",
    "reconcile",
]
