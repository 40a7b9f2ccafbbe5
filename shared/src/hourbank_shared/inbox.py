"""Inbox: a consumed event's id is claimed in the same transaction as its effect."""

from functools import cache
from typing import Protocol
from uuid import UUID

from sqlalchemy import Column, DateTime, Insert, MetaData, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session


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
        values = {"consumer": consumer, "event_id": event_id, "event_type": event_type}
        return self._session.execute(_claim(self._table), values).first() is not None


@cache
def _claim(table: Table) -> Insert:
    """The claim, built once per table: its values are bound per call."""
    return insert(table).on_conflict_do_nothing().returning(table.c.event_id)
