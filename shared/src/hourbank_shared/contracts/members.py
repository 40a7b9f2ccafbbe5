"""Member lifecycle events, published by the requests service on a public topic.

No contact data here: a member's email travels on the private `member_contacts` topic.
"""

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
    email: str | None = Field(
        None,
        description=(
            "Always null on events published since contact data left the public topics (see"
            " hourbank.member.registered.v2); older events may still carry an address."
        ),
    )
    roles: list[str] = Field(description='Roles from the token, e.g. ["member", "admin"].')
    registered_at: UtcDateTime = Field(description="When the member registered (UTC).")


class MemberRegisteredV2(MemberEvent):
    """A member registered (no contact data); escrow opens their account with the welcome bonus."""

    TYPE = "hourbank.member.registered.v2"

    sequence: int = Field(ge=0, description="The member's version after this event: 0.")
    display_name: str = Field(description="Name shown to other members.")
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
    reason: str | None = Field(
        None, description="Why the suspension was lifted; absent before it was required."
    )
