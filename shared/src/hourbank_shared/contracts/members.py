"""Member lifecycle events, published by the requests service."""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.fields import AdminId, UtcDateTime


class MemberEvent(Event):
    TOPIC = topics.MEMBERS
    KEY = "member_id"

    member_id: UUID = Field(description="The member (Kafka key).")
    sequence: int | None = Field(
        None,
        ge=0,
        description=(
            "The member's version after this event (0 at registration): a reader applies a"
            " suspension or reactivation only if its sequence is higher than the last one it"
            " applied, so a replay or reordering cannot roll the status back. Absent on events"
            " published before it was introduced."
        ),
    )


class MemberRegistered(MemberEvent):
    """A member registered; escrow opens their account and grants the welcome bonus."""

    TYPE = "hourbank.member.registered.v1"

    display_name: str = Field(description="Name shown to other members.")
    email: str | None = Field(None, description="Contact address for email notifications.")
    roles: list[str] = Field(description='Roles from the token, e.g. ["member", "admin"].')
    registered_at: UtcDateTime = Field(description="When the member registered (UTC).")


class MemberSuspended(MemberEvent):
    """An admin suspended a member: they can no longer submit requests or move hours."""

    TYPE = "hourbank.member.suspended.v1"

    reason: str = Field(description="Why the member was suspended.")
    by_admin_id: AdminId


class MemberReactivated(MemberEvent):
    """An admin lifted a member's suspension."""

    TYPE = "hourbank.member.reactivated.v1"

    by_admin_id: AdminId
