"""Marking read and choosing channels: one short transaction each, the member's rows only."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.api.queries import COLUMNS
from hourbank_notifications.api.schemas import NotificationView, Preference
from hourbank_shared.domain_errors import NotVisible

c = t.notifications.c


def mark_read(
    sessions: sessionmaker[Session], member_id: UUID, notification_id: UUID, now: datetime
) -> NotificationView:
    """Another member's notification is one that does not exist (404)."""
    mine = (c.id == notification_id) & (c.member_id == member_id)
    with sessions.begin() as session:
        # the first read time stays: marking twice is harmless
        session.execute(
            t.notifications.update().where(mine, c.read_at.is_(None)).values(read_at=now)
        )
        row = session.execute(select(*COLUMNS).where(mine)).first()
        if row is None:
            raise NotVisible(f"no notification {notification_id}")
        return NotificationView.model_validate(row)


def mark_all_read(sessions: sessionmaker[Session], member_id: UUID, now: datetime) -> int:
    with sessions.begin() as session:
        result = session.execute(
            t.notifications.update()
            .where(c.member_id == member_id, c.read_at.is_(None))
            .values(read_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def set_preferences(
    sessions: sessionmaker[Session], member_id: UUID, preferences: list[Preference]
) -> None:
    if not preferences:
        return
    p = t.preferences
    rows = [
        {"member_id": member_id, "type": x.type, "channel": x.channel, "enabled": x.enabled}
        for x in preferences
    ]
    statement = insert(p).values(rows)
    with sessions.begin() as session:
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[p.c.member_id, p.c.type, p.c.channel],
                set_={"enabled": statement.excluded.enabled},
            )
        )
