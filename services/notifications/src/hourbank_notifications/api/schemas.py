"""What the notifications API accepts and returns."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Channel = Literal["in_app", "email"]
NotificationType = Annotated[
    str, StringConstraints(pattern=r"^[A-Z][A-Z_]{0,63}$", strip_whitespace=True)
]


class NotificationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    member_id: UUID = Field(description="Whom it is for (the caller, but in an admin's search).")
    type: str = Field(description="What happened, e.g. REQUEST_ACCEPTED.")
    title: str
    message: str
    related_id: UUID | None = Field(description="The request, dispute or transaction.")
    created_at: datetime
    read_at: datetime | None


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int = Field(description="How many notifications were unread and are read now.")


class Preference(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    type: NotificationType = Field(description="A notification type, e.g. REQUEST_PAID.")
    channel: Channel
    enabled: bool


class Preferences(BaseModel):
    preferences: list[Preference] = Field(
        description="The member's choices; every other type and channel is on."
    )
