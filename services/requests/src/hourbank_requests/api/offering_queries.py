"""The read side of offerings: search and look-up, without locking."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hourbank_requests.adapters import tables as t
from hourbank_requests.adapters.member_repositories import offering_from_row
from hourbank_requests.api.schemas import OfferingView
from hourbank_requests.domain.errors import NotVisible
from hourbank_requests.domain.offering_access import PUBLIC, may_see
from hourbank_requests.domain.offerings import Offering
from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.keyset import newest_first, page_of
from hourbank_shared.pagination import Page


@dataclass(frozen=True)
class OfferingFilter:
    statuses: frozenset[OfferingStatus] = PUBLIC
    category: str | None = None
    provider_id: UUID | None = None
    text: str | None = None


def offering(session: Session, offering_id: UUID, caller: Caller) -> OfferingView:
    row = session.execute(select(t.offerings).where(t.offerings.c.id == offering_id)).first()
    found = offering_from_row(row) if row is not None else None
    if found is None or not may_see(caller, found.provider_id, found.status):
        raise NotVisible(f"no offering {offering_id}")
    return _view(found, caller)


def offerings(
    session: Session, wanted: OfferingFilter, caller: Caller, limit: int, cursor: str | None
) -> Page[OfferingView]:
    c = t.offerings.c
    query = select(t.offerings).where(c.status.in_(sorted(s.value for s in wanted.statuses)))
    if wanted.category:
        query = query.where(c.category == wanted.category.strip().lower())
    if wanted.provider_id is not None:
        query = query.where(c.provider_id == wanted.provider_id)
    if wanted.text:
        pattern = f"%{_escape_like(wanted.text.strip())}%"
        query = query.where(
            or_(c.title.ilike(pattern, escape="\\"), c.description.ilike(pattern, escape="\\"))
        )
    rows = session.execute(newest_first(query, c.created_at, c.id, limit, cursor)).all()
    return page_of(rows, limit, lambda row: _view(offering_from_row(row), caller), _position)


def _view(found: Offering, caller: Caller) -> OfferingView:
    with_review = caller.is_admin or caller.member_id == found.provider_id
    return OfferingView.of(found, with_review=with_review)


def _position(view: OfferingView) -> tuple[datetime, UUID]:
    return view.created_at, view.id


def _escape_like(text: str) -> str:
    """The words as typed: `%` and `_` match themselves, not any text."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
