"""The read side of requests: a member's requests, one request and its history, unlocked.

Only the parties see a request (anyone else gets the 404 of a request that does not exist);
admins may read every request.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from hourbank_requests.adapters import tables as t
from hourbank_requests.adapters.request_repositories import (
    SELECT_REQUEST,
    history_of,
    request_from_row,
)
from hourbank_requests.api.schemas import HistoryView, RequestView
from hourbank_requests.domain.errors import NotVisible
from hourbank_requests.domain.service_request import Caller
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.keyset import newest_first, page_of
from hourbank_shared.pagination import Page

Role = Literal["requester", "provider"]


@dataclass(frozen=True)
class RequestFilter:
    statuses: tuple[RequestStatus, ...] = ()
    role: Role | None = None


def requests_of(
    session: Session, member_id: UUID, wanted: RequestFilter, limit: int, cursor: str | None
) -> Page[RequestView]:
    """The member's requests, as requester or provider (or the one `role`), newest first."""
    c = t.requests.c
    as_role = {"requester": c.requester_id == member_id, "provider": c.provider_id == member_id}
    query = select(t.requests).where(
        as_role[wanted.role] if wanted.role is not None else or_(*as_role.values())
    )
    if wanted.statuses:
        query = query.where(c.status.in_([str(status) for status in wanted.statuses]))
    rows = session.execute(newest_first(query, c.created_at, c.id, limit, cursor)).all()
    return page_of(rows, limit, _view, _position)


def versioned_view(session: Session, request_id: UUID, caller: Caller) -> tuple[RequestView, int]:
    """The request as stored, and the version of its row: every write of the row changes the
    version, and the view is made from the row alone, the same for every caller who sees it."""
    row = _row(session, request_id)
    return _visible_view(row, caller), int(row.version)


def written_view(uow: SqlUnitOfWork, request_id: UUID, caller: Caller) -> tuple[RequestView, int]:
    """The request as the unit of work's command left it, and its row's version: the row its
    write returned, else (a command that wrote none) read again."""
    row = uow.requests.written(request_id)
    if row is None:
        row = _row(uow.session, request_id)
    return _visible_view(row, caller), int(row.version)


def history(session: Session, request_id: UUID, caller: Caller) -> list[HistoryView]:
    """Every step of the request, oldest first."""
    request_from_row(_row(session, request_id)).party_of(caller)
    return [
        HistoryView.model_validate(row, from_attributes=True)
        for row in history_of(session, request_id)
    ]


def _row(session: Session, request_id: UUID) -> Row[Any]:
    row = session.execute(SELECT_REQUEST, {"request_id": request_id}).first()
    if row is None:
        raise NotVisible(f"no request {request_id}")
    return row


def _visible_view(row: Row[Any], caller: Caller) -> RequestView:
    request = request_from_row(row)
    request.party_of(caller)
    return RequestView.of(request, row.created_at, row.updated_at)


def _view(row: Row[Any]) -> RequestView:
    return RequestView.of(request_from_row(row), row.created_at, row.updated_at)


def _position(view: RequestView) -> tuple[datetime, UUID]:
    return view.created_at, view.id
