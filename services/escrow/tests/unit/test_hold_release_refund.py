import pytest

from hourbank_escrow.domain import InvalidAmount, Result, SystemAccount, Tombstone
from hourbank_shared.contracts.enums import HoldFailureReason, HoldStatus, TransactionType
from hourbank_shared.contracts.escrow import EscrowRefunded, EscrowReleased
from hourbank_shared.money import amount_of

from .bank import Scene, h

ESCROW = SystemAccount.ESCROW


def test_release_pays_the_provider_and_refunds_the_rest() -> None:
    scene = Scene().into(HoldStatus.HELD)
    assert scene.release("1.25").result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h("1.75"), h("0"), h("1.75"))
    assert scene.bank.balance(scene.provider) == (h("4.25"), h("0"), h("4.25"))
    assert scene.bank.account(ESCROW).total == h("0")
    release, refund = scene.bank.transactions[-2:]
    assert (release.type, refund.type) == (
        TransactionType.ESCROW_RELEASE,
        TransactionType.ESCROW_REFUND,
    )
    [released] = scene.hold.events
    assert isinstance(released, EscrowReleased)
    assert (released.provider_amount, released.requester_refund, released.status) == (
        h("1.25"),
        h("0.75"),
        HoldStatus.RELEASED,
    )
    assert (scene.hold.provider_amount, scene.hold.requester_refund) == (h("1.25"), h("0.75"))
    assert scene.bank.report().ok


def test_a_full_release_has_no_refund_and_a_zero_release_no_payment() -> None:
    full, nothing = Scene().into(HoldStatus.HELD), Scene().into(HoldStatus.HELD)
    full.release("2.00")
    nothing.release("0")
    assert full.bank.transactions[-1].type is TransactionType.ESCROW_RELEASE
    assert full.bank.account(full.provider).total == h("5.00")
    assert nothing.bank.transactions[-1].type is TransactionType.ESCROW_REFUND
    assert nothing.bank.transactions[-2].type is TransactionType.ESCROW_HOLD
    assert nothing.bank.account(nothing.provider).total == h("3.00")
    assert full.bank.report().ok and nothing.bank.report().ok


def test_release_rounds_nothing_away() -> None:
    scene = Scene()
    agreed = amount_of(h("1.25"), h("1.50"))  # 1.875 → 1.88
    actual = amount_of(h("0.75"), h("1.50"))  # 1.125 → 1.12
    assert (agreed, actual) == (h("1.88"), h("1.12"))
    scene.place(str(agreed))
    scene.release(str(actual))
    assert scene.hold.requester_refund == h("0.76")
    assert scene.bank.account(scene.requester).total == h("3.00") - h("1.12")
    assert scene.bank.account(scene.provider).total == h("4.12")
    assert scene.bank.report().ok


@pytest.mark.parametrize("provider_amount", ["2.01", "-0.01", "0.333"])
def test_release_pays_at_most_what_is_held(provider_amount: str) -> None:
    scene = Scene().into(HoldStatus.HELD)
    with pytest.raises(InvalidAmount):
        scene.release(provider_amount)
    assert scene.hold.status is HoldStatus.HELD
    assert scene.bank.account(ESCROW).total == h("2.00")


def test_refund_gives_the_whole_hold_back() -> None:
    scene = Scene().into(HoldStatus.HELD)
    assert scene.refund().result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("0"), h("3.00"))
    assert scene.bank.transactions[-1].type is TransactionType.ESCROW_REFUND
    [refunded] = scene.hold.events
    assert isinstance(refunded, EscrowRefunded)
    assert (refunded.amount, refunded.status) == (h("2.00"), HoldStatus.REFUNDED)
    assert scene.bank.report().ok


def test_a_refund_before_the_hold_leaves_a_tombstone_that_refuses_the_late_hold() -> None:
    scene = Scene()
    outcome = scene.refund()
    assert outcome.result is Result.APPLIED
    assert scene.hold.tombstone is Tombstone.ENDED_BEFORE_HOLD
    assert scene.hold.events == []
    late = scene.place("1.00")
    assert (late.result, late.reason) == (Result.REFUSED, HoldFailureReason.INVALID_STATE)
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("0"), h("3.00"))
    assert scene.bank.report().ok


@pytest.mark.parametrize("resolved", [HoldStatus.RELEASED, HoldStatus.REFUNDED, HoldStatus.SETTLED])
def test_a_resolved_hold_pays_nothing_twice(resolved: HoldStatus) -> None:
    scene = Scene().into(resolved)
    balances = [scene.bank.balance(m) for m in (scene.requester, scene.provider)]
    count = len(scene.bank.transactions)
    outcomes = [scene.release("2.00"), scene.refund(), scene.settle(), scene.release("0")]
    assert {o.result for o in outcomes} == {Result.NO_OP}
    assert "nothing paid again" in outcomes[0].detail
    assert len(scene.bank.transactions) == count
    assert [scene.bank.balance(m) for m in (scene.requester, scene.provider)] == balances
    assert scene.hold.events == []
    assert scene.bank.report().ok


def test_a_frozen_hold_is_neither_released_nor_refunded() -> None:
    scene = Scene().into(HoldStatus.FROZEN)
    for outcome in (scene.release("1.00"), scene.refund()):
        assert (outcome.result, outcome.reason) == (Result.REFUSED, HoldFailureReason.INVALID_STATE)
    assert scene.hold.status is HoldStatus.FROZEN
    assert scene.bank.account(scene.requester).escrowed == h("2.00")
