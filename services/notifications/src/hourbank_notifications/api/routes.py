"""A member's notifications: the list, the unread count, marking read, channel preferences and
the live stream. Members see and mark only their own."""

import weakref
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from hourbank_notifications.api.commands import mark_all_read, mark_read, set_preferences
from hourbank_notifications.api.limits import (
    PreferencesMax,
    Streams,
    released_at_the_end,
    too_many_streams,
)
from hourbank_notifications.api.queries import (
    notifications_about,
    notifications_of,
    preferences_of,
    unread_count,
)
from hourbank_notifications.api.schemas import (
    MarkedRead,
    NotificationView,
    Preferences,
    UnreadCount,
)
from hourbank_notifications.api.stream import notification_events
from hourbank_shared.auth import CurrentPrincipal
from hourbank_shared.db import read_only
from hourbank_shared.dependencies import Now, ReadSession, Sessions
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such notification, or another member's (problem+json)"}
}
TOO_MANY_STREAMS: dict[int | str, dict[str, Any]] = {
    429: {"description": "The caller has as many streams open as allowed (problem+json)"}
}
TOO_MANY_PREFERENCES: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid, or more choices than a member may store (problem+json)"}
}


@router.get("")
def list_notifications(
    principal: CurrentPrincipal,
    session: ReadSession,
    unread_only: Annotated[bool, Query(description="Only those not read yet")] = False,
    request_id: Annotated[UUID | None, Query(description="Only those about this request")] = None,
    dispute_id: Annotated[
        list[UUID] | None, Query(description="Only those about these disputes (any of them)")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[NotificationView]:
    """The caller's notifications, newest first. With `request_id` and/or `dispute_id`, those
    about them (a dispute's notes name the dispute, not its request): the caller's own, or for
    an admin every member's (a request's timeline)."""
    about = [*([request_id] if request_id else []), *(dispute_id or [])]
    if about:
        whose = None if principal.is_admin else principal.member_id
        return notifications_about(session, about, whose, unread_only, limit, cursor)
    return notifications_of(session, principal.member_id, unread_only, limit, cursor)


@router.get("/unread-count")
def count_unread(principal: CurrentPrincipal, session: ReadSession) -> UnreadCount:
    """How many of the caller's notifications are unread."""
    return UnreadCount(unread=unread_count(session, principal.member_id))


@router.get("/stream", response_class=StreamingResponse, responses=TOO_MANY_STREAMS)
def stream(
    principal: CurrentPrincipal, sessions: Sessions, now: Now, slots: Streams, request: Request
) -> Response:
    """Server-sent events: each new notification of the caller as `event: notification`."""
    slot = slots.take(principal.member_id)
    if slot is None:
        return too_many_streams(request.url.path, slots.per_member)
    events = released_at_the_end(notification_events(sessions, principal.member_id, now), slot)
    # a stream the server never starts (the client left first) never runs its `finally`
    weakref.finalize(events, slot.release)
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/preferences")
def get_preferences(principal: CurrentPrincipal, session: ReadSession) -> Preferences:
    """The caller's channel choices by notification type (everything else is on)."""
    return preferences_of(session, principal.member_id)


@router.put("/preferences", responses=TOO_MANY_PREFERENCES)
def put_preferences(
    body: Preferences, principal: CurrentPrincipal, sessions: Sessions, most: PreferencesMax
) -> Preferences:
    """Turn channels on or off per notification type; the choices not named stay as they are."""
    set_preferences(sessions, principal.member_id, body.preferences, most)
    with read_only(sessions) as session:
        return preferences_of(session, principal.member_id)


@router.post("/read-all")
def read_all(principal: CurrentPrincipal, sessions: Sessions, now: Now) -> MarkedRead:
    """Mark every unread notification of the caller read."""
    return MarkedRead(marked=mark_all_read(sessions, principal.member_id, now))


@router.post("/{notification_id}/read", responses=NOT_FOUND)
def read(
    notification_id: UUID, principal: CurrentPrincipal, sessions: Sessions, now: Now
) -> NotificationView:
    """Mark one of the caller's notifications read."""
    return mark_read(sessions, principal.member_id, notification_id, now)
