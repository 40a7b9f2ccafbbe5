import pytest

from hourbank_escrow.domain import InvalidAmount, Result, SystemAccount, Tombstone
from hourbank_shared.contracts.enums import HoldFailureReason, HoldStatus, TransactionType
from hourbank_shared.contracts.escrow import (
    EscrowAdjusted,
    EscrowAdjustFailed,
    EscrowHeld,
    EscrowHoldFailed,
)
from hourbank_shared.contracts.ledger import BalanceChanged

from .bank import Scene, h

ESCROW = SystemAccount.ESCROW


def test_placing_sets_hours_aside_without_changing_the_requesters_total() -> None:
    scene = Scene()
    assert scene.place("1.50").result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("1.50"), h("1.50"))
    assert scene.bank.account(ESCROW).total == h("1.50")
    assert scene.bank.balance(scene.provider) == (h("3.00"), h("0"), h("3.00"))
    assert (scene.hold.status, scene.hold.amount, scene.hold.version) == (
        HoldStatus.HELD,
        h("1.50"),
        1,
    )
    [transaction] = scene.bank.transactions[-1:]
    assert (transaction.type, transaction.request_id) == (
        TransactionType.ESCROW_HOLD,
        scene.hold.request_id,
    )
    [held] = scene.hold.events
    assert held == EscrowHeld(
        request_id=scene.hold.request_id,
        requester_id=scene.requester,
        provider_id=scene.provider,
        hold_id=scene.hold.id,
        status=HoldStatus.HELD,
        amount=h("1.50"),
    )
    [changed] = scene.bank.account(scene.requester).events
    assert isinstance(changed, BalanceChanged)
    assert (changed.delta_total, changed.delta_escrowed, changed.available_after) == (
        h("0"),
        h("1.50"),
        h("1.50"),
    )
    assert scene.bank.report().ok


def test_all_of_the_available_hours_may_be_held_but_not_one_hundredth_more() -> None:
    exact, over = Scene(), Scene()
    assert exact.place("3.00").result is Result.APPLIED
    refused = over.place("3.01")
    assert (refused.result, refused.reason) == (
        Result.REFUSED,
        HoldFailureReason.INSUFFICIENT_BALANCE,
    )
    assert over.bank.balance(over.requester) == (h("3.00"), h("0"), h("3.00"))
    [failed] = over.hold.events
    assert isinstance(failed, EscrowHoldFailed)
    assert (failed.reason, failed.amount, failed.available, failed.hold_id) == (
        HoldFailureReason.INSUFFICIENT_BALANCE,
        h("3.01"),
        h("3.00"),
        None,
    )
    assert (over.hold.status, over.hold.tombstone) == (None, Tombstone.HOLD_FAILED)
    assert over.bank.report().ok


def test_the_credit_limit_lets_available_go_that_far_below_zero() -> None:
    scene = Scene(bonus="1.00", credit_limit="2.00")
    assert scene.place("3.00").result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h("1.00"), h("3.00"), h("-2.00"))
    assert scene.bank.report().ok
    other = Scene(bonus="1.00", credit_limit="2.00")
    assert other.place("3.01").reason is HoldFailureReason.INSUFFICIENT_BALANCE


def test_escrow_does_not_refuse_on_its_copy_of_a_suspension() -> None:
    """The requests service refuses a suspended member's submission; escrow's copy of the
    status may be behind a reactivation."""
    scene = Scene()
    scene.bank.account(scene.requester).suspend()
    assert scene.place("1.00").result is Result.APPLIED
    assert scene.bank.account(scene.requester).escrowed == h("1.00")


def test_a_requester_without_an_account_cannot_hold() -> None:
    scene = Scene()
    del scene.bank.accounts[scene.requester]
    outcome = scene.place("1.00")
    assert outcome.reason is HoldFailureReason.ACCOUNT_MISSING
    [failed] = scene.hold.events
    assert isinstance(failed, EscrowHoldFailed)
    assert failed.available is None
    assert scene.bank.transactions[-1].type is TransactionType.WELCOME_BONUS


def test_a_failed_hold_is_never_placed_later() -> None:
    scene = Scene().into("failed")
    outcome = scene.place("1.00")
    assert (outcome.result, outcome.reason) == (Result.REFUSED, HoldFailureReason.INVALID_STATE)
    assert scene.bank.account(scene.requester).escrowed == h("0")
    [failed] = scene.hold.events
    assert isinstance(failed, EscrowHoldFailed)


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001", "1.005"])
def test_a_hold_is_a_positive_number_of_hundredths(amount: str) -> None:
    scene = Scene()
    with pytest.raises(InvalidAmount):
        scene.place(amount)
    assert scene.hold.status is None


def test_adjusting_up_holds_more() -> None:
    scene = Scene().into(HoldStatus.HELD)
    assert scene.adjust("2.75").result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("2.75"), h("0.25"))
    assert scene.bank.transactions[-1].type is TransactionType.ESCROW_ADJUST
    [adjusted] = scene.hold.events
    assert isinstance(adjusted, EscrowAdjusted)
    assert (adjusted.previous_amount, adjusted.amount) == (h("2.00"), h("2.75"))
    assert scene.bank.report().ok


def test_adjusting_down_gives_the_difference_back() -> None:
    scene = Scene().into(HoldStatus.HELD)
    assert scene.adjust("0.40").result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("0.40"), h("2.60"))
    assert scene.bank.account(ESCROW).total == h("0.40")
    assert scene.hold.amount == h("0.40")
    assert scene.bank.report().ok


def test_adjusting_to_the_same_amount_answers_without_a_transaction() -> None:
    scene = Scene().into(HoldStatus.HELD)
    before = len(scene.bank.transactions)
    assert scene.adjust("2.00").result is Result.APPLIED
    assert len(scene.bank.transactions) == before
    [adjusted] = scene.hold.events
    assert isinstance(adjusted, EscrowAdjusted)
    assert adjusted.previous_amount == adjusted.amount == h("2.00")


def test_a_top_up_beyond_available_fails_and_keeps_the_hold() -> None:
    scene = Scene().into(HoldStatus.HELD)
    outcome = scene.adjust("3.01")
    assert (outcome.result, outcome.reason) == (
        Result.REFUSED,
        HoldFailureReason.INSUFFICIENT_BALANCE,
    )
    assert (scene.hold.status, scene.hold.amount) == (HoldStatus.HELD, h("2.00"))
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("2.00"), h("1.00"))
    [failed] = scene.hold.events
    assert isinstance(failed, EscrowAdjustFailed)
    assert (failed.previous_amount, failed.amount, failed.status) == (
        h("2.00"),
        h("3.01"),
        HoldStatus.HELD,
    )
    assert scene.adjust("3.00").result is Result.APPLIED


def test_a_suspension_escrow_knows_of_refuses_no_top_up() -> None:
    scene = Scene().into(HoldStatus.HELD)
    scene.bank.account(scene.requester).suspend()
    assert scene.adjust("2.50").result is Result.APPLIED
    assert scene.adjust("1.50").result is Result.APPLIED
    assert scene.bank.balance(scene.requester) == (h("3.00"), h("1.50"), h("1.50"))
