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
from hourbank_requests.adapters.request_repositories import history_of, request_from_row
from hourbank_requests.api.schemas import HistoryView, RequestView
from hourbank_requests.domain.errors import NotVisible
from hourbank_requests.domain.service_request import Caller
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


def request_view(session: Session, request_id: UUID, caller: Caller) -> RequestView:
    """The request as stored, or as changed so far in the session's transaction."""
    return _view(_visible(session, request_id, caller))


def history(session: Session, request_id: UUID, caller: Caller) -> list[HistoryView]:
    """Every step of the request, oldest first."""
    _visible(session, request_id, caller)
    return [
        HistoryView.model_validate(row, from_attributes=True)
        for row in history_of(session, request_id)
    ]


def _visible(session: Session, request_id: UUID, caller: Caller) -> Row[Any]:
    row = session.execute(select(t.requests).where(t.requests.c.id == request_id)).first()
    if row is None:
        raise NotVisible(f"no request {request_id}")
    request_from_row(row).party_of(caller)
    return row


def _view(row: Row[Any]) -> RequestView:
    return RequestView.of(request_from_row(row), row.created_at, row.updated_at)


def _position(view: RequestView) -> tuple[datetime, UUID]:
    return view.created_at, view.id
