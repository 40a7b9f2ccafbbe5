"""Marking read and choosing channels: one short transaction each, the member's rows only."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.api.queries import COLUMNS
from hourbank_notifications.api.schemas import NotificationView, Preference
from hourbank_shared.domain_errors import InvalidInput, NotVisible

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
    sessions: sessionmaker[Session], member_id: UUID, preferences: list[Preference], most: int
) -> None:
    """Store the choices (the last one wins for a type and channel named twice); a member keeps
    at most `most` of them, and a change that would take them past it changes nothing."""
    chosen = {(x.type, x.channel): x.enabled for x in preferences}
    if not chosen:
        return
    if len(chosen) > most:
        raise _too_many(most)
    p = t.preferences
    rows = [
        {"member_id": member_id, "type": kind, "channel": channel, "enabled": enabled}
        for (kind, channel), enabled in chosen.items()
    ]
    statement = insert(p).values(rows)
    with sessions.begin() as session:
        # two requests of the member at once must not both pass the count
        session.execute(select(func.pg_advisory_xact_lock(PREFERENCES_LOCK, _lock_key(member_id))))
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[p.c.member_id, p.c.type, p.c.channel],
                set_={"enabled": statement.excluded.enabled},
            )
        )
        stored = session.scalar(select(func.count()).where(p.c.member_id == member_id))
        if (stored or 0) > most:
            raise _too_many(most)  # rolls the whole change back


PREFERENCES_LOCK = 0x6E_70_72_66
"""The advisory lock class of a member's preferences ("nprf")."""


def _lock_key(member_id: UUID) -> int:
    return int.from_bytes(member_id.bytes[:4], "big", signed=True)


def _too_many(most: int) -> InvalidInput:
    return InvalidInput(
        f"preferences: a member keeps at most {most} choices (a type on a channel); nothing"
        " was changed",
        max_preferences=most,
    )
