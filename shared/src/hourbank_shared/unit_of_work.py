"""The unit of work every service builds on: one session and transaction for the service's
repositories, its inbox, its outbox and its idempotency keys; it commits once."""

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from opentelemetry.trace import SpanKind
from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared import tracing
from hourbank_shared.batch import BatchAbandoned, current_batch
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope
from hourbank_shared.idempotency import IdempotentCommand, IdempotentRequest, SqlIdempotency
from hourbank_shared.inbox import SqlInbox
from hourbank_shared.outbox import SqlOutbox


class RecordsEvents(Protocol):
    events: list[Event]


@dataclass(frozen=True)
class MessagingTables:
    """The service's own inbox, outbox and idempotency tables."""

    inbox: Table
    outbox: Table
    idempotency: Table


class SqlUnitOfWork:
    """`with uow: ...; uow.commit()`; leaving without a commit rolls everything back.

    A service subclasses it and opens its repositories in `open_repositories`. Inside a
    consumer's batch (`hourbank_shared.batch`) it joins the batch's transaction and `commit()`
    leaves the commit to the batch, which commits once for all. There is no savepoint per unit
    of work (a SAVEPOINT and its RELEASE cost the client about as much CPU as three other
    statements): a unit of work that leaves the batch without committing abandons it (and
    raises `BatchAbandoned` if no error is on its way out already), so the batch rolls back and
    its events are handled one by one, each in a transaction of its own.
    """

    session: Session
    inbox: SqlInbox
    outbox: SqlOutbox

    def __init__(
        self, session_factory: sessionmaker[Session], tables: MessagingTables, source: str
    ) -> None:
        self._sessions = session_factory
        self._tables = tables
        self._source = source

    def open_repositories(self, session: Session) -> None:
        """Hook: the service's repositories on this unit of work's session."""

    def __enter__(self) -> Self:
        self._batch = current_batch()
        if self._batch is None:
            self.session = self._sessions()
        else:
            self.session = self._batch.session(self._sessions)
        self.inbox = SqlInbox(self.session, self._tables.inbox)
        self.outbox = SqlOutbox(self.session, self._tables.outbox, self._source)
        self._committed = False
        self.open_repositories(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._batch is None:
            self.session.rollback()
            self.session.close()
        elif not self._committed:
            # its work cannot be undone alone: the batch must not commit it, even if the
            # handler catches the error that ended it
            self._batch.abandon()
            if exc_type is None:
                raise BatchAbandoned("a unit of work left its batch without committing")

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
        return IdempotentCommand(SqlIdempotency(self.session, self._tables.idempotency), request)

    def commit(self) -> None:
        if self._committed:
            raise RuntimeError("a unit of work commits once")
        if self._batch is not None:  # the batch commits
            self._committed = True
            return
        # one span per transaction, not per statement: the commit is where it waits
        database = self.session.get_bind().dialect.name
        with tracing.tracer().start_as_current_span(
            "COMMIT",
            kind=SpanKind.CLIENT,
            attributes={"db.system.name": database, "db.operation.name": "COMMIT"},
        ):
            self.session.commit()
        self._committed = True
