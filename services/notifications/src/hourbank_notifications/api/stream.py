"""Server-sent events: the connected member's new notifications, polled every quarter second.

Rows are read from a little before the last one seen, and ids already sent are skipped, so a
notification whose transaction commits after a later one is still sent, once.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.api.queries import created_since
from hourbank_notifications.api.schemas import NotificationView
from hourbank_shared.db import read_only

POLL_SECONDS = 0.25
LATE_COMMIT = timedelta(seconds=5)
KEEPALIVE_SECONDS = 15.0


def _since(
    sessions: sessionmaker[Session], member_id: UUID, at: datetime
) -> list[NotificationView]:
    with read_only(sessions) as session:
        return created_since(session, member_id, at)


def event(view: NotificationView) -> str:
    return f"id: {view.id}\nevent: notification\ndata: {view.model_dump_json()}\n\n"


async def notification_events(
    sessions: sessionmaker[Session], member_id: UUID, connected_at: datetime
) -> AsyncIterator[str]:
    # what existed at connection time is the list's business, not the stream's
    before = await asyncio.to_thread(_since, sessions, member_id, connected_at - LATE_COMMIT)
    sent: dict[UUID, datetime] = {v.id: v.created_at for v in before}
    newest = connected_at
    quiet = 0.0
    yield ": connected\n\n"
    while True:
        fresh = await asyncio.to_thread(_since, sessions, member_id, newest - LATE_COMMIT)
        for view in fresh:
            if view.id not in sent:
                sent[view.id] = view.created_at
                newest = max(newest, view.created_at)
                quiet = 0.0
                yield event(view)
        sent = {i: at for i, at in sent.items() if at >= newest - 2 * LATE_COMMIT}
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS
        if quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keepalive\n\n"
