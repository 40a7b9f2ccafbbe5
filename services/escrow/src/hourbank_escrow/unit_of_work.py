"""One unit of work: one session and transaction for repositories, inbox and outbox."""

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.adapters import tables
from hourbank_escrow.adapters.repositories import SqlAccounts, SqlHolds, SqlLedger
from hourbank_escrow.domain import Hold, Ledger
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope
from hourbank_shared.inbox import SqlInbox
from hourbank_shared.outbox import SqlOutbox

SOURCE = "/hourbank/escrow"


class SqlUnitOfWork:
    """`with uow: ...; uow.commit()`; leaving without a commit rolls everything back."""

    session: Session
    accounts: SqlAccounts
    holds: SqlHolds
    ledger: SqlLedger
    inbox: SqlInbox
    outbox: SqlOutbox

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.accounts = SqlAccounts(self.session)
        self.holds = SqlHolds(self.session)
        self.ledger = SqlLedger(self.session)
        self.inbox = SqlInbox(self.session, tables.inbox)
        self.outbox = SqlOutbox(self.session, tables.outbox, SOURCE)
        self._committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def save(self, ledger: Ledger, *holds: Hold) -> None:
        """Writes what a command did: its accounts, what it posted, the holds it touched."""
        self.accounts.save(ledger.accounts.values())
        self.ledger.append(ledger.transactions, ledger.entries)
        for hold in holds:
            self.holds.save(hold)

    def publish(self, ledger: Ledger, *holds: Hold, caused_by: Envelope | None = None) -> int:
        """Adds the events the command recorded on accounts and holds to the outbox."""
        recorded: list[list[Event]] = [a.events for a in ledger.accounts.values()]
        recorded += [hold.events for hold in holds]
        published = 0
        for events in recorded:
            for event in events:
                self.outbox.add(event, caused_by=caused_by)
                published += 1
            events.clear()
        return published

    def commit(self) -> None:
        if self._committed:
            raise RuntimeError("a unit of work commits once")
        self.session.commit()
        self._committed = True
