from uuid import uuid4

import pytest

from hourbank_escrow.domain import InvalidAmount, Result, SystemAccount
from hourbank_shared.contracts.enums import (
    DisputeResolution,
    HoldFailureReason,
    HoldStatus,
    TransactionType,
)
from hourbank_shared.contracts.escrow import EscrowFrozen, EscrowSettled, EscrowUnfrozen

from .bank import Scene, h

ESCROW = SystemAccount.ESCROW
INVALID_STATE = HoldFailureReason.INVALID_STATE


def test_freezing_keeps_the_hours_held_for_the_dispute() -> None:
    scene = Scene().into(HoldStatus.HELD)
    assert scene.freeze().result is Result.APPLIED
    assert (scene.hold.status, scene.hold.dispute_id) == (HoldStatus.FROZEN, scene.dispute)
    [frozen] = scene.hold.events
    assert isinstance(frozen, EscrowFrozen)
    assert (frozen.dispute_id, frozen.amount) == (scene.dispute, h("2.00"))
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("2.00"), h("1.00"))
    assert scene.freeze().result is Result.NO_OP
    assert scene.freeze(uuid4()).reason is INVALID_STATE
    assert len(scene.hold.events) == 1


def test_unfreezing_holds_the_hours_again() -> None:
    scene = Scene().into(HoldStatus.FROZEN)
    assert scene.unfreeze(uuid4()).reason is INVALID_STATE
    assert scene.unfreeze().result is Result.APPLIED
    assert (scene.hold.status, scene.hold.dispute_id) == (HoldStatus.HELD, None)
    [unfrozen] = scene.hold.events
    assert isinstance(unfrozen, EscrowUnfrozen)
    assert unfrozen.status is HoldStatus.HELD
    assert scene.unfreeze().result is Result.NO_OP
    assert scene.release("2.00").result is Result.APPLIED


def test_a_dismissal_that_overtakes_its_freeze_keeps_the_hold_free() -> None:
    scene = Scene().into(HoldStatus.HELD)
    assert scene.unfreeze().result is Result.APPLIED
    assert scene.hold.dismissed_disputes == (scene.dispute,)
    assert scene.freeze().result is Result.NO_OP
    assert scene.hold.status is HoldStatus.HELD
    assert scene.hold.events == []
    assert scene.settle().reason is INVALID_STATE
    second = uuid4()
    assert scene.freeze(second).result is Result.APPLIED


@pytest.mark.parametrize(
    ("resolution", "provider_amount", "requester", "provider"),
    [
        (DisputeResolution.PAY_PROVIDER, None, "1.00", "5.00"),
        (DisputeResolution.REFUND_REQUESTER, None, "3.00", "3.00"),
        (DisputeResolution.SPLIT, "0.75", "2.25", "3.75"),
        (DisputeResolution.SPLIT, "0", "3.00", "3.00"),
        (DisputeResolution.SPLIT, "2.00", "1.00", "5.00"),
    ],
)
def test_settling_divides_the_frozen_hold_as_resolved(
    resolution: DisputeResolution, provider_amount: str | None, requester: str, provider: str
) -> None:
    scene = Scene().into(HoldStatus.FROZEN)
    assert scene.settle(resolution, provider_amount).result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h(requester), h("0"), h(requester))
    assert scene.bank.account(scene.provider).total == h(provider)
    assert scene.bank.account(ESCROW).total == h("0")
    settlement = scene.bank.transactions[-1]
    assert (settlement.type, settlement.dispute_id) == (
        TransactionType.DISPUTE_RESOLUTION,
        scene.dispute,
    )
    [settled] = scene.hold.events
    assert isinstance(settled, EscrowSettled)
    assert settled.resolution is resolution
    assert settled.provider_amount + settled.requester_refund == h("2.00")
    assert scene.bank.report().ok


def test_a_settlement_that_overtakes_its_freeze_settles_and_the_freeze_is_a_no_op() -> None:
    scene = Scene().into(HoldStatus.HELD)
    assert scene.settle(DisputeResolution.SPLIT, "1.20").result is Result.APPLIED
    assert (scene.hold.status, scene.hold.dispute_id) == (HoldStatus.SETTLED, scene.dispute)
    assert scene.freeze().result is Result.NO_OP
    assert scene.freeze(uuid4()).reason is INVALID_STATE
    assert scene.unfreeze().reason is INVALID_STATE
    assert scene.bank.account(scene.provider).total == h("4.20")
    assert scene.bank.report().ok


def test_only_the_freezing_dispute_settles() -> None:
    scene = Scene().into(HoldStatus.FROZEN)
    outcome = scene.settle(dispute=uuid4())
    assert (outcome.result, outcome.reason) == (Result.REFUSED, INVALID_STATE)
    assert scene.hold.status is HoldStatus.FROZEN
    assert scene.bank.account(ESCROW).total == h("2.00")


def test_settling_twice_pays_once() -> None:
    scene = Scene().into(HoldStatus.FROZEN)
    scene.settle(DisputeResolution.SPLIT, "0.50")
    again = scene.settle(DisputeResolution.PAY_PROVIDER)
    assert again.result is Result.NO_OP
    assert scene.bank.account(scene.provider).total == h("3.50")
    assert scene.bank.report().ok


@pytest.mark.parametrize(
    ("resolution", "provider_amount", "requester_refund"),
    [
        (DisputeResolution.SPLIT, None, None),
        (DisputeResolution.SPLIT, "2.01", None),
        (DisputeResolution.SPLIT, "0.50", "1.49"),
        (DisputeResolution.SPLIT, "0.505", None),
        (DisputeResolution.PAY_PROVIDER, "1.99", None),
        (DisputeResolution.REFUND_REQUESTER, "0.01", None),
        (DisputeResolution.REFUND_REQUESTER, None, "1.99"),
    ],
)
def test_the_parts_of_a_settlement_sum_exactly_to_the_hold(
    resolution: DisputeResolution, provider_amount: str | None, requester_refund: str | None
) -> None:
    scene = Scene().into(HoldStatus.FROZEN)
    with pytest.raises(InvalidAmount):
        scene.bank.run(
            lambda ledger: scene.hold.settle(
                scene.dispute,
                resolution,
                ledger,
                h(provider_amount) if provider_amount else None,
                h(requester_refund) if requester_refund else None,
            )
        )
    assert scene.hold.status is HoldStatus.FROZEN
    assert scene.bank.account(ESCROW).total == h("2.00")
