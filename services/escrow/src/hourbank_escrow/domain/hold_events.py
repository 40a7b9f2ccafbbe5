"""The escrow contract events a hold records, built from its state after the change."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from hourbank_shared.contracts.enums import DisputeResolution, HoldFailureReason, HoldStatus
from hourbank_shared.contracts.escrow import (
    EscrowAdjusted,
    EscrowAdjustFailed,
    EscrowFrozen,
    EscrowHeld,
    EscrowHoldFailed,
    EscrowRefunded,
    EscrowReleased,
    EscrowSettled,
    EscrowUnfrozen,
)

if TYPE_CHECKING:
    from hourbank_escrow.domain.holds import Hold


def held(hold: Hold) -> EscrowHeld:
    return EscrowHeld(**_ids(hold), status=_status(hold), amount=hold.amount)


def hold_failed(
    hold: Hold, reason: HoldFailureReason, detail: str, amount: Decimal, available: Decimal | None
) -> EscrowHoldFailed:
    return EscrowHoldFailed(
        request_id=hold.request_id,
        requester_id=hold.requester_id,
        provider_id=hold.provider_id,
        reason=reason,
        detail=detail,
        amount=amount,
        available=available,
    )


def adjusted(hold: Hold, previous_amount: Decimal) -> EscrowAdjusted:
    return EscrowAdjusted(
        **_ids(hold), status=_status(hold), previous_amount=previous_amount, amount=hold.amount
    )


def adjust_failed(
    hold: Hold, reason: HoldFailureReason, detail: str, amount: Decimal
) -> EscrowAdjustFailed:
    return EscrowAdjustFailed(
        **_ids(hold),
        status=_status(hold),
        reason=reason,
        detail=detail,
        previous_amount=hold.amount,
        amount=amount,
    )


def released(hold: Hold, to_provider: Decimal, to_requester: Decimal) -> EscrowReleased:
    return EscrowReleased(
        **_ids(hold),
        status=_status(hold),
        provider_amount=to_provider,
        requester_refund=to_requester,
    )


def refunded(hold: Hold) -> EscrowRefunded:
    return EscrowRefunded(**_ids(hold), status=_status(hold), amount=hold.amount)


def frozen(hold: Hold, dispute_id: UUID) -> EscrowFrozen:
    return EscrowFrozen(
        **_ids(hold), status=_status(hold), dispute_id=dispute_id, amount=hold.amount
    )


def unfrozen(hold: Hold, dispute_id: UUID) -> EscrowUnfrozen:
    return EscrowUnfrozen(**_ids(hold), status=_status(hold), dispute_id=dispute_id)


def settled(
    hold: Hold,
    dispute_id: UUID,
    resolution: DisputeResolution,
    to_provider: Decimal,
    to_requester: Decimal,
) -> EscrowSettled:
    return EscrowSettled(
        **_ids(hold),
        status=_status(hold),
        dispute_id=dispute_id,
        resolution=resolution,
        provider_amount=to_provider,
        requester_refund=to_requester,
    )


def _ids(hold: Hold) -> dict[str, UUID]:
    return {
        "request_id": hold.request_id,
        "requester_id": hold.requester_id,
        "provider_id": hold.provider_id,
        "hold_id": hold.id,
    }


def _status(hold: Hold) -> HoldStatus:
    assert hold.status is not None, "only a hold that holds or held hours has a status to publish"
    return hold.status
