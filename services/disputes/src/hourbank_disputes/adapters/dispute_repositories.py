"""Disputes, their evidence and the projection of requests in PostgreSQL."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Text, and_, bindparam, func, insert, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.domain.dispute import Dispute
from hourbank_disputes.domain.evidence import Evidence
from hourbank_disputes.domain.projection import ProjectedRequest
from hourbank_disputes.domain.status import OPEN, DisputeState
from hourbank_shared.contracts.enums import DisputeResolution, DisputeType, RequestStatus
from hourbank_shared.db import update_versioned

STORED = (
    "dispute_type", "status", "raised_by", "against", "description", "assigned_admin",
    "resolution", "provider_hours", "provider_amount", "requester_refund", "note",
    "refusal_reason", "request_confirmed", "assigned_at", "closed_at", "updated_at",
)  # fmt: skip


def _upsert_projection() -> Any:
    """`SqlRequestProjection.apply`'s statement. It returns whether it inserted: xmax is 0 on
    a row this statement inserted, set on one it updated; no row: the event was not newer."""
    p = t.request_projection
    statement = pg_insert(p)
    new = statement.excluded
    newer = or_(
        p.c.sequence.is_(None), and_(new.sequence.is_not(None), new.sequence > p.c.sequence)
    )
    return statement.on_conflict_do_update(
        index_elements=[p.c.request_id],
        set_={
            "requester_id": new.requester_id,
            "provider_id": new.provider_id,
            "status": new.status,
            "hours": func.coalesce(new.hours, p.c.hours),
            "rate": func.coalesce(new.rate, p.c.rate),
            "amount": func.coalesce(new.amount, p.c.amount),
            "sequence": new.sequence,
            "updated_at": func.now(),
        },
        where=newer,
    ).returning(literal_column("xmax = 0"))


# Statements built once, their values bound per call (why: `hourbank_shared.db`).
_UPSERT_PROJECTION = _upsert_projection()
_PROJECTED = select(t.request_projection).where(
    t.request_projection.c.request_id == bindparam("request_id")
)
_REQUEST_LOCK = select(
    func.pg_advisory_xact_lock(func.hashtextextended(bindparam("lock_key", type_=Text), 0))
)


class SqlRequestProjection:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, request_id: UUID) -> ProjectedRequest | None:
        row = self._session.execute(_PROJECTED, {"request_id": request_id}).first()
        return projected_from_row(row) if row is not None else None

    def lock(self, request_id: UUID) -> None:
        """Wait for, then hold until commit, the lock on the request's key. Opening a dispute
        takes it before its last look at the projection, and the consumer before it decides
        the PENDING disputes of a request it has just learned of: so a dispute is either
        opened on the copy or seen pending by the consumer, never left pending on a known
        request."""
        self._session.execute(_REQUEST_LOCK, {"lock_key": f"request:{request_id}"})

    def apply(self, change: ProjectedRequest) -> bool:
        """Insert the request on its first event: True, the projection has just learned of it.
        Later events update it, keeping the hours the event does not carry; an event no newer
        than the last one applied (a replay, or a reordering) changes nothing. Events without
        a sequence predate it and are older than any with one."""
        values = {
            "request_id": change.request_id,
            "requester_id": change.requester_id,
            "provider_id": change.provider_id,
            "status": str(change.status),
            "hours": change.hours,
            "rate": change.rate,
            "amount": change.amount,
            "sequence": change.sequence,
        }
        inserted = self._session.execute(_UPSERT_PROJECTION, values).scalar()
        return bool(inserted)


class SqlDisputes:
    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self, dispute_id: UUID) -> Dispute | None:
        """The dispute, locked until commit, with its request as committed once the lock is
        held. The lock is taken first and the row read by a statement of its own: a locking
        read that waited for another transaction re-reads only the locked row, and its join
        would show the projection as it was before that commit (read committed). The consumer
        opening a PENDING dispute adds the projection in the same commit (an admin's assign
        then saw an OPEN dispute without its request: the short fault campaign's 500), and
        may confirm a dispute in the same commit as a change of the request's amount."""
        c = t.disputes.c
        locked = select(c.id).where(c.id == dispute_id).with_for_update()
        if self._session.execute(locked).first() is None:
            return None
        row = self._session.execute(disputes_with_request().where(c.id == dispute_id)).one()
        return dispute_from_row(row)

    def lock_pending(self, request_id: UUID) -> list[Dispute]:
        """The request's PENDING disputes, locked, oldest first."""
        rows = self._session.execute(_LOCK_PENDING, {"request_id": request_id})
        return [dispute_from_row(row) for row in rows]

    def evidence(self, dispute_id: UUID) -> list[Evidence]:
        return [
            Evidence(e.id, e.dispute_id, e.added_by, e.kind, e.content, e.at)
            for e in evidence_of(self._session, dispute_id)
        ]

    def open_for(self, request_id: UUID) -> UUID | None:
        query = select(t.disputes.c.id).where(
            t.disputes.c.request_id == request_id,
            t.disputes.c.status.in_([str(s) for s in OPEN]),
        )
        return self._session.execute(query).scalar()

    def add(self, dispute: Dispute) -> None:
        values = _values(dispute)
        self._session.execute(
            insert(t.disputes).values(
                id=dispute.id,
                request_id=dispute.request_id,
                created_at=dispute.created_at,
                version=dispute.version,
                **values,
            )
        )
        self._add_evidence(dispute)

    def save(self, dispute: Dispute, loaded_version: int) -> None:
        if dispute.version != loaded_version:
            values = {"version": dispute.version, **_values(dispute)}
            key = {"id": dispute.id}
            update_versioned(self._session, t.disputes, key, loaded_version, values)
        self._add_evidence(dispute)

    def _add_evidence(self, dispute: Dispute) -> None:
        if dispute.new_evidence:
            rows = [
                {"id": e.id, "dispute_id": e.dispute_id, "added_by": e.added_by, "kind": e.kind,
                 "content": e.content, "at": e.at}
                for e in dispute.new_evidence
            ]  # fmt: skip
            self._session.execute(insert(t.evidence), rows)
            dispute.new_evidence.clear()


def disputes_with_request() -> Any:
    """Disputes with their request's projection, as `dispute_from_row` reads them (none yet
    for a PENDING dispute)."""
    return select(t.disputes, *_projection_columns()).outerjoin(
        t.request_projection, t.request_projection.c.request_id == t.disputes.c.request_id
    )


def _projection_columns() -> list[Any]:
    p = t.request_projection.c
    return [
        p.requester_id, p.provider_id, p.status.label("request_status"), p.hours, p.rate,
        p.amount,
    ]  # fmt: skip


def evidence_of(session: Session, dispute_id: UUID) -> Sequence[Row[Any]]:
    query = (
        select(t.evidence)
        .where(t.evidence.c.dispute_id == dispute_id)
        .order_by(t.evidence.c.at, t.evidence.c.id)
    )
    return session.execute(query).all()


def _values(dispute: Dispute) -> dict[str, object]:
    values = {name: getattr(dispute, name) for name in STORED}
    for name in ("dispute_type", "status", "resolution"):
        values[name] = str(values[name]) if values[name] is not None else None
    return values


def projected_from_row(row: Row[Any]) -> ProjectedRequest:
    m = row._mapping
    return ProjectedRequest(
        m["request_id"], m["requester_id"], m["provider_id"], RequestStatus(m["status"]),
        m["hours"], m["rate"], m["amount"], m["sequence"],
    )  # fmt: skip


def dispute_from_row(row: Row[Any]) -> Dispute:
    m = row._mapping
    request = None
    if m["request_status"] is not None:
        request = ProjectedRequest(
            m["request_id"], m["requester_id"], m["provider_id"],
            RequestStatus(m["request_status"]), m["hours"], m["rate"], m["amount"],
        )  # fmt: skip
    return Dispute(
        id=m["id"],
        request_id=m["request_id"],
        request=request,
        dispute_type=DisputeType(m["dispute_type"]),
        raised_by=m["raised_by"],
        against=m["against"],
        description=m["description"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        status=DisputeState(m["status"]),
        request_confirmed=m["request_confirmed"],
        assigned_admin=m["assigned_admin"],
        assigned_at=m["assigned_at"],
        resolution=DisputeResolution(m["resolution"]) if m["resolution"] else None,
        provider_hours=m["provider_hours"],
        provider_amount=m["provider_amount"],
        requester_refund=m["requester_refund"],
        note=m["note"],
        refusal_reason=m["refusal_reason"],
        closed_at=m["closed_at"],
        version=m["version"],
    )


_LOCK_PENDING = (
    disputes_with_request()
    .where(
        t.disputes.c.request_id == bindparam("request_id"),
        t.disputes.c.status == str(DisputeState.PENDING),
    )
    .order_by(t.disputes.c.created_at, t.disputes.c.id)
    .with_for_update(of=t.disputes)
)
"""A request's PENDING disputes, oldest first, locked; built once."""
