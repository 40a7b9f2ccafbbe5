"""Repositories of members and offerings over one session.

`lock` loads a row FOR UPDATE and remembers its version; `save` inserts what was not loaded and
updates a loaded row only if it changed and still has the version it was loaded with, so a write
that somehow skipped the lock fails instead of being lost.
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict
from functools import cache
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import Row, Select, Table, bindparam, func, select
from sqlalchemy.orm import Session

from hourbank_requests.adapters import tables as t
from hourbank_requests.domain.members import Member, MemberStatus
from hourbank_requests.domain.offerings import Offering, Terms
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.db import insert_new, update_versioned


class Versioned(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def version(self) -> int: ...


A = TypeVar("A", bound=Versioned)


class _Rows(Generic[A]):
    """The rows of one table keyed by `id`, each remembered with the version it was loaded at."""

    def __init__(
        self, session: Session, table: Table, from_row: Callable[[Row[tuple[object, ...]]], A]
    ) -> None:
        self._session = session
        self._table = table
        self._from_row = from_row
        self._loaded: dict[UUID, int] = {}

    def get(self, row_id: UUID) -> A | None:
        """Without a lock: for reading only."""
        row = self._session.execute(_by_id(self._table, False), {"row_id": row_id}).first()
        return self._from_row(row) if row is not None else None

    def lock(self, row_id: UUID) -> A | None:
        row = self._session.execute(_by_id(self._table, True), {"row_id": row_id}).first()
        if row is None:
            return None
        loaded = self._from_row(row)
        self._loaded[row_id] = loaded.version
        return loaded

    def _write(
        self, aggregate: A, identity: Mapping[str, object], values: Mapping[str, object]
    ) -> None:
        """Inserts what was not loaded; updates what was, if its version moved."""
        values = {**values, "version": aggregate.version}
        loaded_version = self._loaded.get(aggregate.id)
        if loaded_version is None:
            insert_new(self._session, self._table, {"id": aggregate.id, **identity, **values})
        elif loaded_version != aggregate.version:
            update_versioned(
                self._session, self._table, {"id": aggregate.id}, loaded_version,
                {**values, "updated_at": func.now()},
            )  # fmt: skip
        self._loaded[aggregate.id] = aggregate.version


@cache
def _by_id(table: Table, locked: bool) -> Select[tuple[object, ...]]:
    """The row `row_id` (FOR UPDATE if `locked`), built once per table: building a statement
    and computing its cache key cost more CPU than executing it."""
    query = select(table).where(table.c.id == bindparam("row_id"))
    return query.with_for_update() if locked else query


class SqlMembers(_Rows[Member]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.members, member_from_row)

    def save(self, member: Member) -> None:
        values = {
            "display_name": member.display_name,
            "email": member.email,
            "roles": list(member.roles),
            "status": member.status.value,
            "rating_sum": member.rating_sum,
            "rating_count": member.rating_count,
        }
        self._write(member, {"created_at": member.registered_at}, values)


class SqlOfferings(_Rows[Offering]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.offerings, offering_from_row)

    def save(self, offering: Offering) -> None:
        identity = {"provider_id": offering.provider_id, "created_at": offering.created_at}
        review = {"review_note": offering.review_note, "reviewed_by": offering.reviewed_by}
        values = {**asdict(offering.terms), "status": offering.status.value, **review}
        self._write(offering, identity, values)


def member_from_row(row: Row[tuple[object, ...]]) -> Member:
    m = row._mapping
    return Member(
        m["id"],
        m["display_name"],
        m["email"],
        tuple(m["roles"]),
        m["created_at"],
        status=MemberStatus(m["status"]),
        rating_sum=m["rating_sum"],
        rating_count=m["rating_count"],
        version=m["version"],
    )


def offering_from_row(row: Row[tuple[object, ...]]) -> Offering:
    m = row._mapping
    terms = Terms(
        m["title"], m["description"], m["category"], m["rate"], m["response_window_hours"]
    )
    return Offering(
        m["id"],
        m["provider_id"],
        terms,
        m["created_at"],
        status=OfferingStatus(m["status"]),
        review_note=m["review_note"],
        reviewed_by=m["reviewed_by"],
        version=m["version"],
    )
