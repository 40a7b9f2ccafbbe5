"""The unit of work every service builds on: one session and transaction for the service's
repositories, its inbox, its outbox and its idempotency keys; it commits once."""

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from opentelemetry.trace import SpanKind
from sqlalchemy import Table
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from hourbank_shared import tracing
from hourbank_shared.batch import current_batch
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
    consumer's batch (`hourbank_shared.batch`) it joins the batch's transaction in a savepoint
    of its own, and `commit()` releases the savepoint: the batch commits once for all.
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
        batch = current_batch()
        self._savepoint: SessionTransaction | None = None
        if batch is None:
            self.session = self._sessions()
        else:
            self.session = batch.session(self._sessions)
            self._savepoint = self.session.begin_nested()
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
        if self._savepoint is None:
            self.session.rollback()
            self.session.close()
        elif self._savepoint.is_active:  # left without committing: undo only this work
            self._savepoint.rollback()

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
        if self._savepoint is not None:  # the batch commits
            self._savepoint.commit()
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
