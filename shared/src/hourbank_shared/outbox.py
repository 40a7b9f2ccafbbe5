"""Transactional outbox: events are rows written in the caller's transaction.

The relay publishes pending rows in id order. Per key that is commit order as long as the
writers of one aggregate serialize on it (they lock or version the aggregate row before
adding its events), which every handler does; rows of different keys may commit out of
id order, which is harmless because pending rows are found by `published_at IS NULL`.

In a consumer's batch the rows are inserted together right before its commit
(`db.stage_insert`): one statement for all the batch's events instead of one per event, in
the order they were added, so ids keep that order.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Insert,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.contracts.base import Event
from hourbank_shared.db import single_read, stage_insert
from hourbank_shared.envelope import CONTENT_TYPE, Envelope

NOTIFY_CHANNEL = "hourbank_outbox"


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, added to the service's own metadata (and migrations)."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("event_type", Text, nullable=False),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Index("outbox_pending", "id", postgresql_where=text("published_at IS NULL")),
    )


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    event_id: str
    topic: str
    key: str
    payload: bytes
    headers: dict[str, str] = field(default_factory=dict)


def kafka_headers(envelope: Envelope) -> dict[str, str]:
    headers = {
        "content-type": CONTENT_TYPE,
        "ce_id": str(envelope.id),
        "ce_type": envelope.type,
        "ce_source": envelope.source,
        "correlation_id": str(envelope.correlationid),
    }
    if envelope.traceparent:
        headers["traceparent"] = envelope.traceparent
    return headers


@cache
def _waking_insert(table: Table) -> Insert:
    """The outbox insert that also wakes the relay, built once per table: its values are
    bound per call. `pg_notify` in RETURNING is evaluated once per row inserted; a NOTIFY is
    delivered only if and when the transaction commits, and PostgreSQL folds the duplicates
    of one transaction into one. One statement per event instead of two."""
    return insert(table).returning(func.pg_notify(NOTIFY_CHANNEL, ""))


def add(session: Session, table: Table, envelope: Envelope, *, topic: str, key: str) -> None:
    """One outbox row in the session's transaction (in a consumer's batch, inserted with the
    batch's other rows right before it commits: `stage_insert`); it wakes the relay at
    commit."""
    row = {
        "event_id": envelope.id,
        "event_type": envelope.type,
        "topic": topic,
        "key": key,
        "payload": envelope.to_json().decode(),
        "headers": kafka_headers(envelope),
    }
    stage_insert(session, _waking_insert(table), row)


class EnvelopingOutbox(ABC):
    """Wraps events in envelopes from one source; subclasses store the envelopes."""

    def __init__(self, source: str) -> None:
        self.source = source

    def add(
        self, event: Event, *, caused_by: Envelope | None = None, time: datetime | None = None
    ) -> Envelope:
        envelope = Envelope.wrap(event, source=self.source, caused_by=caused_by, time=time)
        self.add_envelope(envelope, topic=event.TOPIC, key=event.key())
        return envelope

    @abstractmethod
    def add_envelope(self, envelope: Envelope, *, topic: str, key: str) -> None: ...


class SqlOutbox(EnvelopingOutbox):
    """The outbox of one unit of work: inserts into its session's transaction."""

    def __init__(self, session: Session, table: Table, source: str) -> None:
        super().__init__(source)
        self._session = session
        self._table = table

    def add_envelope(self, envelope: Envelope, *, topic: str, key: str) -> None:
        add(self._session, self._table, envelope, topic=topic, key=key)


class SqlOutboxStore:
    """What the relay reads and marks; each call is its own short transaction."""

    def __init__(self, session_factory: sessionmaker[Session], table: Table) -> None:
        self._sessions = session_factory
        self._table = table

    def pending(self, limit: int) -> list[OutboxRecord]:
        t = self._table
        query = (
            select(t.c.id, t.c.event_id, t.c.topic, t.c.key, t.c.payload, t.c.headers)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.id)
            .limit(limit)
        )
        with single_read(self._sessions) as session:
            rows = session.execute(query).all()
        return [
            OutboxRecord(r.id, str(r.event_id), r.topic, r.key, r.payload.encode(), r.headers)
            for r in rows
        ]

    def mark_published(self, ids: list[int]) -> int:
        if not ids:
            return 0
        t = self._table
        with self._sessions.begin() as session:
            result = session.execute(
                update(t)
                .where(t.c.id.in_(ids), t.c.published_at.is_(None))
                .values(published_at=func.now())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def purge_published(self, older_than_seconds: float, limit: int = 5000) -> int:
        """Delete rows published more than the given age ago; returns how many."""
        t = self._table
        doomed = (
            select(t.c.id)
            .where(
                t.c.published_at
                < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, older_than_seconds)
            )
            .limit(limit)
            .scalar_subquery()
        )
        with self._sessions.begin() as session:
            result = session.execute(t.delete().where(t.c.id.in_(doomed)))
        return int(getattr(result, "rowcount", 0) or 0)
