"""Notification events, published by the notifications service (keyed by member)."""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.fields import UtcDateTime


class NotificationCreated(Event):
    """A notification was created for a member and queued on their channels."""

    TYPE = "hourbank.notification.created.v1"
    TOPIC = topics.NOTIFICATIONS
    KEY = "member_id"

    notification_id: UUID = Field(description="The notification.")
    member_id: UUID = Field(description="The member notified (Kafka key).")
    notification_type: str = Field(description="What happened, e.g. REQUEST_SUBMITTED.")
    title: str = Field(description="Short headline.")
    message: str = Field(description="Body text.")
    related_id: UUID | None = Field(
        None, description="The request, dispute or other object it is about, if any."
    )
    channels: list[str] = Field(description='Delivery channels, e.g. ["in_app", "email"].')
    created_at: UtcDateTime = Field(description="When the notification was created (UTC).")
