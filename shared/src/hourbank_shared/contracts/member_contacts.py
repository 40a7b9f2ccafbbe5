"""Members' contact data, published by the requests service on a private topic.

Only the notifications service reads it; analytics teams and the other services do not (see
docs/security.md). The latest event of a member is their current contact data, so the topic
is compacted: an address that was replaced disappears from it.
"""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.fields import UtcDateTime


class MemberContactChanged(Event):
    """A member's contact data was set (at registration) or changed; the latest is current."""

    TOPIC = topics.MEMBER_CONTACTS
    KEY = "member_id"
    TYPE = "hourbank.member.contact_changed.v1"

    member_id: UUID = Field(description="The member (Kafka key).")
    sequence: int = Field(
        ge=0,
        description=(
            "The member's version after this event: a reader keeps the contact data of the"
            " highest sequence it saw, so a replay cannot bring an old address back."
        ),
    )
    email: str | None = Field(description="Where email notifications go; null: no email.")
    changed_at: UtcDateTime = Field(description="When the contact data was set (UTC).")
