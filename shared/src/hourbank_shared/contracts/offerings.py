"""Offering events (what the original design called "Service"), published by the requests
service on the members topic.

They are keyed by the provider's member id, like every event on that topic, so an offering's
events stay in order with each other and with its provider's membership events (a suspension
and an offering published before it are read in that order); the CloudEvents subject is the
offering. `status` is always the offering's status after the event.
"""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.contracts.fields import AdminId, AgreedRate, UtcDateTime


class OfferingEvent(Event):
    TOPIC = topics.MEMBERS
    KEY = "provider_id"
    SUBJECT = "offering_id"

    offering_id: UUID = Field(description="The offering (CloudEvents subject).")
    provider_id: UUID = Field(
        description="The member who offers the service (Kafka key: the member's id)."
    )
    status: OfferingStatus = Field(description="The offering's status after this event.")
    sequence: int = Field(
        ge=0,
        description=(
            "The offering's version after this event (0 when created): a reader applies an"
            " event only if its sequence is higher than the last one it applied."
        ),
    )


class OfferingTermsEvent(OfferingEvent):
    """The offering's terms as they are after the event."""

    title: str = Field(description="What is offered.")
    description: str = Field(description="More about it; may be empty.")
    category: str = Field(description="Lower case, e.g. `garden`.")
    rate: AgreedRate
    response_window_hours: int = Field(
        ge=2, le=72, description="Hours the provider has to answer a new request."
    )


class OfferingCreated(OfferingTermsEvent):
    """A member offered a service: APPROVED, or PENDING_REVIEW if the bank reviews offerings."""

    TYPE = "hourbank.offering.created.v1"

    created_at: UtcDateTime = Field(description="When the offering was created (UTC).")


class OfferingRevised(OfferingTermsEvent):
    """New terms (requests made keep theirs); PENDING_REVIEW again if the bank reviews them."""

    TYPE = "hourbank.offering.revised.v1"


class OfferingApproved(OfferingEvent):
    """An admin approved the offering: members see it and may request it."""

    TYPE = "hourbank.offering.approved.v1"

    title: str = Field(description="The offering's title, for the provider's notification.")
    note: str | None = Field(None, description="The admin's note to the provider, if any.")
    by_admin_id: AdminId


class OfferingRejected(OfferingEvent):
    """An admin rejected the offering: hidden but from its provider, who may revise it."""

    TYPE = "hourbank.offering.rejected.v1"

    title: str = Field(description="The offering's title, for the provider's notification.")
    reason: str = Field(description="Why it was rejected, as the provider reads it.")
    by_admin_id: AdminId


class OfferingWithdrawn(OfferingEvent):
    """The offering was taken off the list: no new requests; requests already made go on."""

    TYPE = "hourbank.offering.withdrawn.v1"

    title: str = Field(description="The offering's title.")
    withdrawn_by: UUID = Field(description="The provider, or the admin who withdrew it.")
    by_admin: bool = Field(description="True when an admin withdrew it (moderation).")
    reason: str | None = Field(None, description="Why, when an admin withdrew it.")
