"""The escrow service's unit of work: its repositories on the shared unit of work."""

from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.adapters import tables
from hourbank_escrow.adapters.admin_repositories import (
    SqlCreditLimitHistory,
    SqlPendingAdjustments,
)
from hourbank_escrow.adapters.repositories import SqlAccounts, SqlHolds, SqlLedger
from hourbank_escrow.domain import Hold, Ledger
from hourbank_shared import unit_of_work
from hourbank_shared.contracts.ledger import CreditLimitChanged
from hourbank_shared.envelope import Envelope

SOURCE = "/hourbank/escrow"
TABLES = unit_of_work.MessagingTables(tables.inbox, tables.outbox, tables.idempotency)


class SqlUnitOfWork(unit_of_work.SqlUnitOfWork):
    accounts: SqlAccounts
    holds: SqlHolds
    ledger: SqlLedger
    pending_adjustments: SqlPendingAdjustments
    credit_limits: SqlCreditLimitHistory

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, TABLES, SOURCE)

    def open_repositories(self, session: Session) -> None:
        self.accounts = SqlAccounts(session)
        self.holds = SqlHolds(session)
        self.ledger = SqlLedger(session)
        self.pending_adjustments = SqlPendingAdjustments(session)
        self.credit_limits = SqlCreditLimitHistory(session)

    def save(self, ledger: Ledger, *holds: Hold) -> None:
        """Writes what a command did: its accounts, what it posted, the credit limits it
        changed, the holds it touched."""
        self.accounts.save(ledger.accounts.values())
        self.ledger.append(ledger.transactions, ledger.entries)
        changes = (
            event
            for account in ledger.accounts.values()
            for event in account.events
            if isinstance(event, CreditLimitChanged)
        )
        self.credit_limits.append(changes, ledger.now)
        for hold in holds:
            self.holds.save(hold)

    def publish_ledger(
        self, ledger: Ledger, *holds: Hold, caused_by: Envelope | None = None
    ) -> int:
        """Adds the events the command recorded on accounts and holds to the outbox."""
        return self.publish(*ledger.accounts.values(), *holds, caused_by=caused_by)
