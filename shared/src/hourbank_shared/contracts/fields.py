"""Field types shared by several event payloads, each with the description analysts read."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, Field

from hourbank_shared.money import Hours, NonNegativeAmount, PositiveAmount, Rate


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDateTime = Annotated[AwareDatetime, AfterValidator(_as_utc)]
"""An instant with a time zone (naive times are rejected), normalised to UTC."""

RequestId = Annotated[
    UUID, Field(description="The service request (Kafka key on requests, escrow, disputes).")
]
RequesterId = Annotated[UUID, Field(description="The member who asked for the service and pays.")]
ProviderId = Annotated[UUID, Field(description="The member who provides the service and is paid.")]
DisputeId = Annotated[UUID, Field(description="The dispute.")]
AdminId = Annotated[UUID, Field(description="The admin who acted.")]

AgreedHours = Annotated[Hours, Field(description="Hours of service in the current terms.")]
AgreedRate = Annotated[Rate, Field(description="Hours paid per hour of service.")]
RequestAmount = Annotated[
    PositiveAmount, Field(description="hours * rate, rounded half-even to 0.01: the hours held.")
]
ProviderAmount = Annotated[NonNegativeAmount, Field(description="Hours paid to the provider.")]
RequesterRefund = Annotated[
    NonNegativeAmount, Field(description="Hours returned to the requester's available balance.")
]
Deadline = Annotated[
    UtcDateTime, Field(description="When the current step times out unless someone acts (UTC).")
]
Detail = Annotated[str, Field(description="Human-readable explanation of the failure.")]
