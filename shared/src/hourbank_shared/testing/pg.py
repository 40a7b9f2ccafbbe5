"""A PostgreSQL-backed store with the fake's shape, for running one contract suite on both."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, event

from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.envelope import Envelope
from hourbank_shared.inbox import SqlInbox, inbox_table
from hourbank_shared.outbox import OutboxRecord, SqlOutbox, SqlOutboxStore, outbox_table


class PgStore:
    def __init__(self, database_url: str) -> None:
        metadata = MetaData()
        self.outbox_table = outbox_table(metadata)
        self.inbox_table = inbox_table(metadata)
        self.engine = make_engine(database_url, pool_size=4)
        metadata.create_all(self.engine)
        self.sessions = session_factory(self.engine)
        self._store = SqlOutboxStore(self.sessions, self.outbox_table)

    def pending(self, limit: int) -> list[OutboxRecord]:
        return self._store.pending(limit)

    def mark_published(self, ids: list[int]) -> int:
        return self._store.mark_published(ids)

    @contextmanager
    def transaction(self) -> Iterator[tuple[SqlOutbox, SqlInbox]]:
        with self.sessions.begin() as session:
            yield (
                SqlOutbox(session, self.outbox_table, "/hourbank/test"),
                SqlInbox(session, self.inbox_table),
            )

    def close(self) -> None:
        self.engine.dispose()


def pinged(n: int = 0) -> Envelope:
    """A test event, its `n` in the payload and subject."""
    return Envelope(
        source="/hourbank/test",
        type="hourbank.test.pinged.v1",
        subject=f"k{n}",
        time=datetime.now(UTC),
        data={"n": n},
        correlationid=uuid.uuid4(),
    )


def statements_starting(store: PgStore, prefix: str) -> list[str]:
    """The statements the store's engine runs from now on that start with `prefix`."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        if args[2].lstrip().upper().startswith(prefix.upper()):
            seen.append(args[2])

    event.listen(store.engine, "before_cursor_execute", record)
    return seen
