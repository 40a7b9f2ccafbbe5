"""Inbox: a consumed event's id is claimed in the same transaction as its effect."""

from functools import cache
from typing import Protocol
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Delete,
    Insert,
    MetaData,
    Table,
    Text,
    Uuid,
    any_,
    bindparam,
    delete,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from hourbank_shared.batch import BatchTransaction, current_batch


def inbox_table(metadata: MetaData) -> Table:
    """The inbox table, added to the service's own metadata (and migrations)."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("event_type", Text, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class Inbox(Protocol):
    """Port: True the first time (consumer, event) is claimed, False on every redelivery."""

    def claim(self, consumer: str, event_id: UUID, event_type: str = "") -> bool: ...


class SqlInbox:
    def __init__(self, session: Session, table: Table) -> None:
        self._session = session
        self._table = table

    def claim(self, consumer: str, event_id: UUID, event_type: str = "") -> bool:
        # A concurrent claim of the same key blocks on the primary key until the first
        # transaction ends, then sees the conflict: exactly one of them gets True.
        batch = current_batch()
        if batch is not None and event_id in batch.events:
            return self._claims_of(batch, consumer).take(event_id)
        values = {"consumer": consumer, "event_id": event_id, "event_type": event_type}
        return self._session.execute(_claim(self._table), values).first() is not None

    def _claims_of(self, batch: BatchTransaction, consumer: str) -> "_BatchClaims":
        key = (_BatchClaims, id(self._session), self._table, consumer)
        claims: _BatchClaims | None = batch.state.get(key)
        if claims is None:
            claims = batch.state[key] = _BatchClaims(self._session, self._table, consumer, batch)
        return claims


class _BatchClaims:
    """A consumer's claims of every event of a batch, made in one statement when its first
    handler claims (instead of one per event). A handler's claim then takes its event's, once;
    the claims no handler took (an event its handler ignored before claiming) are deleted
    right before the batch commits, so the inbox holds exactly what the handlers claimed."""

    def __init__(
        self, session: Session, table: Table, consumer: str, batch: BatchTransaction
    ) -> None:
        rows = [
            {"consumer": consumer, "event_id": event_id, "event_type": event_type}
            for event_id, event_type in batch.events.items()
        ]
        self._claimed = set(session.execute(_claim(table), rows).scalars())
        self._session, self._table, self._consumer = session, table, consumer
        batch.before_commit(self._delete_untaken)

    def take(self, event_id: UUID) -> bool:
        if event_id not in self._claimed:
            return False  # claimed before this batch, or already taken in it
        self._claimed.remove(event_id)
        return True

    def _delete_untaken(self) -> None:
        if self._claimed:
            untaken = {"c": self._consumer, "ids": list(self._claimed)}
            self._session.execute(_unclaim(self._table), untaken)
            self._claimed.clear()


@cache
def _claim(table: Table) -> Insert:
    """The claim, built once per table: its values are bound per call."""
    return insert(table).on_conflict_do_nothing().returning(table.c.event_id)


@cache
def _unclaim(table: Table) -> Delete:
    ids = bindparam("ids", type_=ARRAY(Uuid))
    return delete(table).where(table.c.consumer == bindparam("c"), table.c.event_id == any_(ids))
