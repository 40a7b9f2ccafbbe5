"""One database transaction for a batch of consumed events.

A consumer that handles N events pays N commits (each a WAL flush) unless their units of work
share one transaction. Inside `transaction_for_batch()`, every unit of work a handler opens joins
the batch's session and its `commit()` leaves the commit to the batch. The batch commits once,
after its last event; inbox claims, effects and outbox rows of all its events are then durable
together, or, when anything fails, none of them is. The consumer then handles the same events
again one by one, each in its own transaction as before, so a failure still belongs to one
event (its retries, its dead letter). A unit of work that leaves without committing fails the
batch the same way (`BatchAbandoned`): without a savepoint per unit of work, its
writes could not be undone alone. Work registered with `after_commit` runs at the batch's
commit.

The batch knows the events it handles (`events`), so a port may do one statement for all of
them: the inbox claims them all at the first claim (`hourbank_shared.inbox`), and rows staged
with `hourbank_shared.db.stage_insert` are inserted together right before the commit.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from opentelemetry.trace import SpanKind
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared import tracing


class BatchAbandoned(Exception):
    """The batch cannot commit: one of its units of work left without committing (a
    redelivered event's inbox claim, say). It rolls back and is handled one by one."""


class BatchTransaction:
    """The sessions a batch opened (one per database, in practice one), committed together."""

    def __init__(self, events: Mapping[UUID, str] | None = None) -> None:
        self._sessions: dict[int, Session] = {}
        self._abandoned = False
        self.events: Mapping[UUID, str] = dict(events or {})
        """The id and type of each event the batch handles, in order (for `SqlInbox.claim`)."""
        self.state: dict[object, Any] = {}
        """What a port keeps for the length of the batch (the inbox's claims)."""
        self._before_commit: list[Callable[[], None]] = []

    def before_commit(self, work: Callable[[], None]) -> None:
        """Run `work` in the batch's transaction right before it commits."""
        self._before_commit.append(work)

    def abandon(self) -> None:
        """A unit of work left without committing: its writes cannot be undone alone, so the
        batch must not commit."""
        self._abandoned = True

    def session(self, factory: sessionmaker[Session]) -> Session:
        """The batch's session on `factory`'s database, opened on first use."""
        session = self._sessions.get(id(factory))
        if session is None:
            session = self._sessions[id(factory)] = factory()
        return session

    def commit(self) -> None:
        if self._abandoned:
            raise BatchAbandoned("a unit of work of this batch left without committing")
        for work in self._before_commit:
            work()
        for session in self._sessions.values():
            database = session.get_bind().dialect.name
            with tracing.tracer().start_as_current_span(
                "COMMIT",
                kind=SpanKind.CLIENT,
                attributes={"db.system.name": database, "db.operation.name": "COMMIT"},
            ):
                session.commit()

    def close(self) -> None:
        for session in self._sessions.values():
            session.rollback()  # nothing, after a commit
            session.close()
        self._sessions.clear()


_CURRENT: ContextVar[BatchTransaction | None] = ContextVar("hourbank_batch", default=None)


def current_batch() -> BatchTransaction | None:
    """The batch the calling handler runs in, if any."""
    return _CURRENT.get()


@contextmanager
def transaction_for_batch(events: Mapping[UUID, str] | None = None) -> Iterator[BatchTransaction]:
    """Units of work opened inside share one transaction; the caller commits it, or it rolls
    back on leaving. `events`: the id and type of each event it handles, in order."""
    batch = BatchTransaction(events)
    token = _CURRENT.set(batch)
    try:
        yield batch
    finally:
        _CURRENT.reset(token)
        batch.close()
