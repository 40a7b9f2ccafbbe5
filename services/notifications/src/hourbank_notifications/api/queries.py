"""The read side: a member's own notifications, newest first, and their unread count; for
admins, everyone's notifications about some requests or disputes (a request's timeline)."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.api.schemas import NotificationView, Preference, Preferences
from hourbank_shared.keyset import newest_first, page_of
from hourbank_shared.pagination import Page

c = t.notifications.c
COLUMNS = (c.id, c.member_id, c.type, c.title, c.message, c.related_id, c.created_at, c.read_at)


def notifications_of(
    session: Session, member_id: UUID, unread_only: bool, limit: int, cursor: str | None
) -> Page[NotificationView]:
    query = select(*COLUMNS).where(c.member_id == member_id)
    if unread_only:
        query = query.where(c.read_at.is_(None))
    rows = session.execute(newest_first(query, c.created_at, c.id, limit, cursor)).all()
    return page_of(rows, limit, NotificationView.model_validate, _position)


def notifications_about(
    session: Session,
    related_ids: Sequence[UUID],
    member_id: UUID | None,
    unread_only: bool,
    limit: int,
    cursor: str | None,
) -> Page[NotificationView]:
    """The notifications about these requests or disputes: of one member, or (None) of all."""
    query = select(*COLUMNS).where(c.related_id.in_(related_ids))
    if member_id is not None:
        query = query.where(c.member_id == member_id)
    if unread_only:
        query = query.where(c.read_at.is_(None))
    rows = session.execute(newest_first(query, c.created_at, c.id, limit, cursor)).all()
    return page_of(rows, limit, NotificationView.model_validate, _position)


def created_since(session: Session, member_id: UUID, since: datetime) -> list[NotificationView]:
    """Oldest first: what the live stream sends next."""
    query = (
        select(*COLUMNS)
        .where(c.member_id == member_id, c.created_at >= since)
        .order_by(c.created_at, c.id)
    )
    return [NotificationView.model_validate(row) for row in session.execute(query)]


def unread_count(session: Session, member_id: UUID) -> int:
    query = select(func.count()).where(c.member_id == member_id, c.read_at.is_(None))
    return int(session.scalar(query) or 0)


def preferences_of(session: Session, member_id: UUID) -> Preferences:
    p = t.preferences.c
    rows = session.execute(
        select(p.type, p.channel, p.enabled)
        .where(p.member_id == member_id)
        .order_by(p.type, p.channel)
    )
    return Preferences(preferences=[Preference.model_validate(r) for r in rows])


def _position(view: NotificationView) -> tuple[datetime, UUID]:
    return view.created_at, view.id
