"""Escrow hold events, published by the escrow service (keyed by request so they stay in order
with the request's own events)."""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import DisputeResolution, HoldFailureReason, HoldStatus
from hourbank_shared.contracts.fields import (
    Detail,
    DisputeId,
    ProviderAmount,
    ProviderId,
    RequestAmount,
    RequesterId,
    RequesterRefund,
    RequestId,
)
from hourbank_shared.money import Amount


class EscrowEvent(Event):
    TOPIC = topics.ESCROW
    KEY = "request_id"

    request_id: RequestId
    requester_id: RequesterId
    provider_id: ProviderId
    hold_id: UUID | None = Field(None, description="The escrow hold, once there is one.")


class HoldEvent(EscrowEvent):
    status: HoldStatus = Field(description="The hold's status after this event.")


class EscrowHeld(HoldEvent):
    """Hours moved from the requester's available balance into escrow."""

    TYPE = "hourbank.escrow.held.v1"

    amount: RequestAmount


class EscrowHoldFailed(EscrowEvent):
    """Escrow could not hold the hours; nothing moved."""

    TYPE = "hourbank.escrow.hold_failed.v1"

    reason: HoldFailureReason = Field(description="Why the hold failed.")
    detail: Detail
    amount: RequestAmount = Field(description="Hours that were to be held.")
    available: Amount | None = Field(
        None, description="The requester's available balance at the time, when known."
    )


class EscrowAdjusted(HoldEvent):
    """The hold was changed to a new agreed amount (topped up or partly refunded)."""

    TYPE = "hourbank.escrow.adjusted.v1"

    previous_amount: RequestAmount = Field(description="Hours held before.")
    amount: RequestAmount = Field(description="Hours held now.")


class EscrowAdjustFailed(HoldEvent):
    """The hold could not be changed; it still holds `previous_amount`."""

    TYPE = "hourbank.escrow.adjust_failed.v1"

    reason: HoldFailureReason = Field(description="Why the adjustment failed.")
    detail: Detail
    previous_amount: RequestAmount = Field(description="Hours held (unchanged).")
    amount: RequestAmount = Field(description="Hours that were to be held.")


class EscrowReleased(HoldEvent):
    """The hold paid the provider and refunded the rest to the requester."""

    TYPE = "hourbank.escrow.released.v1"

    provider_amount: ProviderAmount
    requester_refund: RequesterRefund


class EscrowRefunded(HoldEvent):
    """The whole hold went back to the requester."""

    TYPE = "hourbank.escrow.refunded.v1"

    amount: RequestAmount = Field(description="Hours refunded.")


class EscrowFrozen(HoldEvent):
    """A dispute froze the hold: it cannot be released or refunded until resolved."""

    TYPE = "hourbank.escrow.frozen.v1"

    dispute_id: DisputeId
    amount: RequestAmount = Field(description="Hours frozen.")


class EscrowUnfrozen(HoldEvent):
    """The dispute was dismissed; the hold is held again."""

    TYPE = "hourbank.escrow.unfrozen.v1"

    dispute_id: DisputeId


class EscrowSettled(HoldEvent):
    """The hold was split as an admin resolved the dispute."""

    TYPE = "hourbank.escrow.settled.v1"

    dispute_id: DisputeId
    resolution: DisputeResolution = Field(description="How the admin resolved the dispute.")
    provider_amount: ProviderAmount
    requester_refund: RequesterRefund
