"""Repositories of the notifications service, on one unit of work's session."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Uuid, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.domain.notes import Note
from hourbank_shared.auth import ADMIN
from hourbank_shared.db import stage_insert

IN_APP = "in_app"
EMAIL = "email"
CHANNELS = (IN_APP, EMAIL)

# Statements built once, their values bound per call (why: `hourbank_shared.db`).
_INSERT_NOTIFICATION = insert(t.notifications)
# `= ANY(array)`, not an expanding IN: one statement text for any number of recipients, so it
# is neither rendered again per call nor prepared once per count.
_DISABLED = select(t.preferences.c.member_id, t.preferences.c.type, t.preferences.c.channel).where(
    t.preferences.c.member_id == any_(bindparam("member_ids", type_=ARRAY(Uuid))),
    t.preferences.c.enabled.is_(False),
)
_INSERT_DELIVERY = insert(t.email_deliveries)


class SqlNotifications:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, notification_id: UUID, note: Note, created_at: datetime) -> None:
        values = {
            "id": notification_id,
            "member_id": note.member_id,
            "type": note.type,
            "title": note.title,
            "message": note.message,
            "related_id": note.related_id,
            "created_at": created_at,
        }
        stage_insert(self._session, _INSERT_NOTIFICATION, values)  # at the commit


class SqlMembers:
    """Who is who, as the members topic told: names and roles (admins)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def register(self, member_id: UUID, display_name: str, roles: list[str]) -> None:
        values = {"display_name": display_name, "roles": roles}
        self._session.execute(
            insert(t.members)
            .values(member_id=member_id, **values)
            .on_conflict_do_update(index_elements=[t.members.c.member_id], set_=values)
        )

    def admins(self) -> list[UUID]:
        c = t.members.c
        query = select(c.member_id).where(c.roles.contains([ADMIN])).order_by(c.member_id)
        return list(self._session.scalars(query))


class SqlContacts:
    """Where email goes, as the private member-contacts topic told."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, member_id: UUID, email: str | None, sequence: int) -> None:
        """Keep the contact data of the member's highest sequence (a replay cannot go back)."""
        statement = insert(t.contacts).values(member_id=member_id, email=email, sequence=sequence)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[t.contacts.c.member_id],
                set_={"email": statement.excluded.email, "sequence": statement.excluded.sequence},
                where=t.contacts.c.sequence <= statement.excluded.sequence,
            )
        )

    def emails(self, member_ids: Sequence[UUID]) -> dict[UUID, str]:
        c = t.contacts.c
        rows = self._session.execute(
            select(c.member_id, c.email).where(c.member_id.in_(member_ids), c.email.is_not(None))
        )
        return {row.member_id: row.email for row in rows}


class SqlPreferences:
    """Every channel is on unless the member turned it off for the type."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def disabled(self, member_ids: Sequence[UUID]) -> dict[UUID, set[tuple[str, str]]]:
        """Per member asked about, the (type, channel) pairs they turned off: one query for
        all of an event's recipients."""
        found: dict[UUID, set[tuple[str, str]]] = {member_id: set() for member_id in member_ids}
        if not found:
            return found
        rows = self._session.execute(_DISABLED, {"member_ids": list(found)})
        for row in rows:
            found[row.member_id].add((row.type, row.channel))
        return found


class SqlDeliveries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue(self, notification_id: UUID, to: str, due: datetime) -> None:
        values = {
            "notification_id": notification_id,
            "to": to,
            "status": "PENDING",
            "next_attempt_at": due,
        }
        stage_insert(self._session, _INSERT_DELIVERY, values)  # after its notification's
