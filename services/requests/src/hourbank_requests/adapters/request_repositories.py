"""Requests, their history and ratings in PostgreSQL.

The statements an API command runs are built once, with their values as parameters:
building one (`insert(...).values(...)`, two dozen columns) and computing its cache key cost
more CPU than executing it.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hourbank_requests.adapters import tables as t
from hourbank_requests.domain.lifecycle import TERMINAL, DeadlineKind, HistoryEntry
from hourbank_requests.domain.service_request import Offer, ServiceRequest
from hourbank_shared.contracts.enums import Party, RequestStatus
from hourbank_shared.db import ConcurrentUpdate

_THE_REQUEST = t.requests.c.id == bindparam("request_id")
SELECT_REQUEST = select(t.requests).where(_THE_REQUEST)
"""The request `request_id`, every column."""
_LOCK = SELECT_REQUEST.with_for_update()
_INSERT = insert(t.requests).returning(*t.requests.c)
_UPDATE = (
    update(t.requests)
    .where(_THE_REQUEST, t.requests.c.version == bindparam("loaded_version"))
    .values(updated_at=func.now())
    .returning(*t.requests.c)
)
_INSERT_HISTORY = insert(t.history)
_OPEN_REQUEST = select(t.requests.c.id).where(
    t.requests.c.requester_id == bindparam("requester_id"),
    t.requests.c.offering_id == bindparam("offering_id"),
    t.requests.c.status.not_in([str(s) for s in TERMINAL]),
)


class SqlRequests:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._written: dict[UUID, Row[Any]] = {}

    def lock(self, request_id: UUID) -> ServiceRequest | None:
        row = self._session.execute(_LOCK, {"request_id": request_id}).first()
        return request_from_row(row) if row is not None else None

    def written(self, request_id: UUID) -> Row[Any] | None:
        """The request's row as this unit of work last inserted or updated it, if it did: what
        a read of it would return now, without the read."""
        return self._written.get(request_id)

    def next_due(self, now: datetime) -> ServiceRequest | None:
        """The most overdue request, locked; requests other workers hold are skipped."""
        query = (
            select(t.requests)
            .where(t.requests.c.deadline_at <= now)
            .order_by(t.requests.c.deadline_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self._session.execute(query).first()
        return request_from_row(row) if row is not None else None

    def earliest_deadline(self) -> datetime | None:
        """When the next deadline falls due, whoever holds its request."""
        due = t.requests.c.deadline_at
        query = select(func.min(due)).where(due.is_not(None))  # the requests_due index
        return self._session.execute(query).scalar()

    def open_request_for(self, requester_id: UUID, offering_id: UUID) -> UUID | None:
        ids = {"requester_id": requester_id, "offering_id": offering_id}
        return self._session.execute(_OPEN_REQUEST, ids).scalar()

    def add(self, request: ServiceRequest) -> None:
        values = {"id": request.id, "version": request.version, **_values(request)}
        self._written[request.id] = self._session.execute(_INSERT, values).one()
        self._append_history(request)

    def save(self, request: ServiceRequest, loaded_version: int) -> None:
        """Updates the row if the request changed, only if it still has the version it was
        loaded with; appends its new history entries always (some, like a rating, change no
        column)."""
        if request.version != loaded_version:
            values = {"version": request.version, **_values(request)}
            key = {"request_id": request.id, "loaded_version": loaded_version}
            row = self._session.execute(_UPDATE, key | values).first()
            if row is None:
                raise ConcurrentUpdate(f"requests row changed since version {loaded_version}")
            self._written[request.id] = row
        self._append_history(request)

    def entered_at(self, request_id: UUID, status: RequestStatus) -> datetime | None:
        """When the request last moved into `status` (its history's latest entry to it)."""
        h = t.history.c
        query = (
            select(h.at)
            .where(h.request_id == request_id, h.to_status == str(status))
            .order_by(h.seq.desc())
            .limit(1)
        )
        return self._session.execute(query).scalar()

    def _append_history(self, request: ServiceRequest) -> None:
        if request.history:
            rows = [_history_row(request.id, h) for h in request.history]
            self._session.execute(_INSERT_HISTORY, rows)
            request.history.clear()


class SqlRatings:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, request_id: UUID, rater: UUID, ratee: UUID, score: int, comment: str) -> bool:
        """False if this rater already rated this request."""
        statement = (
            pg_insert(t.ratings)
            .values(
                request_id=request_id, rater_id=rater, ratee_id=ratee, score=score, comment=comment
            )
            .on_conflict_do_nothing()
            .returning(t.ratings.c.request_id)
        )
        return self._session.execute(statement).first() is not None


def history_of(session: Session, request_id: UUID) -> Sequence[Row[Any]]:
    query = select(t.history).where(t.history.c.request_id == request_id).order_by(t.history.c.seq)
    return session.execute(query).all()


def _values(request: ServiceRequest) -> dict[str, object]:
    offer = request.offer
    return {
        "requester_id": request.requester_id,
        "provider_id": request.provider_id,
        "offering_id": request.offering_id,
        "offering_title": request.offering_title,
        "status": str(request.status),
        "previous_status": str(request.previous_status) if request.previous_status else None,
        "message": request.message,
        "response_window_hours": request.response_window_hours,
        "hours": request.hours,
        "rate": request.rate,
        "amount": request.amount,
        "round": request.round,
        "offer_by": str(offer.by) if offer else None,
        "offer_hours": offer.hours if offer else None,
        "offer_rate": offer.rate if offer else None,
        "offer_amount": offer.amount if offer else None,
        "offer_message": offer.message if offer else None,
        "offer_accepted": request.offer_accepted,
        "actual_hours": request.actual_hours,
        "actual_amount": request.actual_amount,
        "deadline_kind": str(request.deadline_kind) if request.deadline_kind else None,
        "deadline_at": request.deadline_at,
        "dispute_id": request.dispute_id,
        "reason": request.reason,
    }


def request_from_row(row: Row[Any]) -> ServiceRequest:
    m = row._mapping
    offer = (
        Offer(Party(m["offer_by"]), m["offer_hours"], m["offer_rate"], m["offer_message"] or "")
        if m["offer_by"]
        else None
    )
    return ServiceRequest(
        id=m["id"],
        requester_id=m["requester_id"],
        provider_id=m["provider_id"],
        offering_id=m["offering_id"],
        offering_title=m["offering_title"],
        message=m["message"],
        response_window_hours=m["response_window_hours"],
        hours=m["hours"],
        rate=m["rate"],
        amount=m["amount"],
        status=RequestStatus(m["status"]),
        previous_status=RequestStatus(m["previous_status"]) if m["previous_status"] else None,
        round=m["round"],
        offer=offer,
        offer_accepted=m["offer_accepted"],
        actual_hours=m["actual_hours"],
        actual_amount=m["actual_amount"],
        deadline_kind=DeadlineKind(m["deadline_kind"]) if m["deadline_kind"] else None,
        deadline_at=m["deadline_at"],
        dispute_id=m["dispute_id"],
        reason=m["reason"],
        version=m["version"],
    )


def _history_row(request_id: UUID, entry: HistoryEntry) -> dict[str, object]:
    return {
        "request_id": request_id,
        "from_status": str(entry.from_status) if entry.from_status else None,
        "to_status": str(entry.to_status),
        "trigger": entry.trigger,
        "actor": str(entry.actor),
        "actor_id": entry.actor_id,
        "event_id": entry.event_id,
        "detail": entry.detail,
        "at": entry.at,
    }
