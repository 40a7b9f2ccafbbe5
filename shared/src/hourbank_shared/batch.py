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
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry.trace import SpanKind
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared import tracing


class BatchAbandoned(Exception):
    """The batch cannot commit: one of its units of work left without committing (a
    redelivered event's inbox claim, say). It rolls back and is handled one by one."""


class BatchTransaction:
    """The sessions a batch opened (one per database, in practice one), committed together."""

    def __init__(self) -> None:
        self._sessions: dict[int, Session] = {}
        self._abandoned = False

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
def transaction_for_batch() -> Iterator[BatchTransaction]:
    """Units of work opened inside share one transaction; the caller commits it, or it rolls
    back on leaving."""
    batch = BatchTransaction()
    token = _CURRENT.set(batch)
    try:
        yield batch
    finally:
        _CURRENT.reset(token)
        batch.close()
