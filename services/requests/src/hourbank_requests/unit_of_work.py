"""One unit of work: one session and transaction for repositories, inbox and outbox."""

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_requests.adapters.member_repositories import SqlMembers, SqlOfferings
from hourbank_requests.adapters.request_repositories import SqlRatings, SqlRequests
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope
from hourbank_shared.idempotency import IdempotentCommand, IdempotentRequest, SqlIdempotency
from hourbank_shared.inbox import SqlInbox
from hourbank_shared.outbox import SqlOutbox

SOURCE = "/hourbank/requests"


class RecordsEvents(Protocol):
    events: list[Event]


class SqlUnitOfWork:
    """`with uow: ...; uow.commit()`; leaving without a commit rolls everything back."""

    session: Session
    members: SqlMembers
    offerings: SqlOfferings
    requests: SqlRequests
    ratings: SqlRatings
    inbox: SqlInbox
    outbox: SqlOutbox

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.members = SqlMembers(self.session)
        self.offerings = SqlOfferings(self.session)
        self.requests = SqlRequests(self.session)
        self.ratings = SqlRatings(self.session)
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

    def publish(
        self,
        *recorders: RecordsEvents,
        time: datetime | None = None,
        caused_by: Envelope | None = None,
    ) -> int:
        """Moves the events the aggregates recorded to the outbox; returns how many."""
        published = 0
        for recorder in recorders:
            for event in recorder.events:
                self.outbox.add(event, caused_by=caused_by, time=time)
                published += 1
            recorder.events.clear()
        return published

    def idempotent(self, request: IdempotentRequest | None) -> IdempotentCommand:
        """A command's idempotency key, claimed and answered in this unit of work."""
        return IdempotentCommand(SqlIdempotency(self.session, tables.idempotency), request)

    def commit(self) -> None:
        if self._committed:
            raise RuntimeError("a unit of work commits once")
        self.session.commit()
        self._committed = True
