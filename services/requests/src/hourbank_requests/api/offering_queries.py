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
from hourbank_shared.keyset import newest_first, page_of
from hourbank_shared.pagination import Page


@dataclass(frozen=True)
class OfferingFilter:
    category: str | None = None
    provider_id: UUID | None = None
    text: str | None = None
    include_withdrawn: bool = False


def offering(session: Session, offering_id: UUID) -> OfferingView:
    row = session.execute(select(t.offerings).where(t.offerings.c.id == offering_id)).first()
    if row is None:
        raise NotVisible(f"no offering {offering_id}")
    return OfferingView.of(offering_from_row(row))


def offerings(
    session: Session, wanted: OfferingFilter, limit: int, cursor: str | None
) -> Page[OfferingView]:
    c = t.offerings.c
    query = select(t.offerings)
    if not wanted.include_withdrawn:
        query = query.where(c.active)
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
    return page_of(rows, limit, lambda row: OfferingView.of(offering_from_row(row)), _position)


def _position(view: OfferingView) -> tuple[datetime, UUID]:
    return view.created_at, view.id


def _escape_like(text: str) -> str:
    """The words as typed: `%` and `_` match themselves, not any text."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
