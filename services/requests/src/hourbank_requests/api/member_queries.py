"""Finding members by a fragment of their name or email, for admins (the console's lookup)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from hourbank_requests.adapters import tables as t
from hourbank_requests.adapters.member_repositories import member_from_row
from hourbank_requests.api.schemas import MemberView
from hourbank_shared.keyset import newest_first, page_of
from hourbank_shared.pagination import Page


def members_matching(
    session: Session, fragment: str, limit: int, cursor: str | None
) -> Page[MemberView]:
    """Members whose display name or email contains `fragment`, in any case, newest first.

    A scan of the members table (no trigram index): fine for an admin's occasional lookup."""
    c = t.members.c
    pattern = f"%{_literal(fragment)}%"
    query = select(t.members).where(
        or_(c.display_name.ilike(pattern, escape="\\"), c.email.ilike(pattern, escape="\\"))
    )
    rows = session.execute(newest_first(query, c.created_at, c.id, limit, cursor)).all()
    return page_of(rows, limit, _view, _position)


def _literal(fragment: str) -> str:
    """The fragment with LIKE's wildcards taken literally."""
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _view(row: Row[tuple[object, ...]]) -> MemberView:
    return MemberView.model_validate(member_from_row(row))


def _position(view: MemberView) -> tuple[datetime, UUID]:
    return view.registered_at, view.id
