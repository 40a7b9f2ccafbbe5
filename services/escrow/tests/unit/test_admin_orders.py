"""Admin powers, audited and bounded: who ordered and who approved each admin transaction, no
admin on their own account, and a second admin for large adjustments."""

from decimal import Decimal
from uuid import uuid4

import pytest

from hourbank_escrow.domain import AdminOrder, InvalidAmount, NotAllowed, Result, adjust_balance
from hourbank_escrow.domain.approvals import ApprovalStatus, PendingAdjustment, needs_second_admin
from hourbank_shared.contracts.enums import DisputeResolution, TransactionType
from hourbank_shared.contracts.ledger import BalanceChanged, CreditLimitChanged

from .bank import NOW, Bank, Scene, h


def balance_changes(bank: Bank) -> list[BalanceChanged]:
    return [event for event in bank.events() if isinstance(event, BalanceChanged)]


def test_an_adjustment_records_the_admin_and_the_reason_in_the_transaction_and_event() -> None:
    bank, admin = Bank(), uuid4()
    member = bank.member()
    bank.clear_events()

    order = AdminOrder(admin)
    bank.run(
        lambda ledger: adjust_balance(member, h("1.00"), "fixed a fee", ledger, ordered_by=order)
    )

    adjustment = bank.transactions[-1]
    assert (adjustment.ordered_by, adjustment.reason) == (AdminOrder(admin), "fixed a fee")
    [changed] = balance_changes(bank)
    assert (changed.by_admin_id, changed.approved_by_admin_id, changed.reason) == (
        admin,
        None,
        "fixed a fee",
    )


def test_the_saga_s_own_transactions_name_no_admin() -> None:
    scene = Scene()
    scene.place()
    assert [t.ordered_by for t in scene.bank.transactions] == [None, None, None]
    assert {e.by_admin_id for e in balance_changes(scene.bank)} == {None}


def test_an_admin_may_not_adjust_their_own_account() -> None:
    bank = Bank()
    admin = bank.member()
    with pytest.raises(NotAllowed, match="their own account"):
        bank.run(
            lambda ledger: adjust_balance(admin, h("5"), "me", ledger, ordered_by=AdminOrder(admin))
        )
    assert bank.account(admin).total == h("3.00")


def test_an_admin_may_not_set_their_own_credit_limit_and_must_say_why() -> None:
    bank = Bank()
    admin, member = bank.member(), bank.member()
    with pytest.raises(NotAllowed, match="their own credit limit"):
        bank.account(admin).change_credit_limit(h("50"), admin, "I deserve it")
    with pytest.raises(InvalidAmount, match="reason"):
        bank.account(member).change_credit_limit(h("5"), admin, "  ")
    bank.clear_events()

    assert bank.account(member).change_credit_limit(h("5"), admin, "moving house").result is (
        Result.APPLIED
    )
    [changed] = bank.account(member).events
    assert isinstance(changed, CreditLimitChanged)
    assert (changed.by_admin_id, changed.reason) == (admin, "moving house")


@pytest.mark.parametrize(
    ("amount", "needed"), [("10.00", False), ("-10.00", False), ("10.01", True), ("-10.01", True)]
)
def test_more_hours_than_the_threshold_either_way_need_a_second_admin(
    amount: str, needed: bool
) -> None:
    assert needs_second_admin(h(amount), h("10.00")) is needed


def pending(bank: Bank, amount: str = "20.00") -> tuple[PendingAdjustment, Bank]:
    member = bank.member()
    return PendingAdjustment.request(member, h(amount), "garden project", uuid4(), NOW), bank


def test_a_second_admin_approves_and_both_are_recorded() -> None:
    adjustment, bank = pending(Bank())
    approver = uuid4()
    bank.clear_events()

    outcome = bank.run(lambda ledger: adjustment.approve(approver, ledger))

    assert outcome.result is Result.APPLIED
    assert bank.account(adjustment.member_id).total == h("23.00")
    posted = bank.transactions[-1]
    assert posted.type is TransactionType.ADMIN_ADJUSTMENT
    assert posted.ordered_by == AdminOrder(adjustment.requested_by, approved_by=approver)
    assert (adjustment.status, adjustment.decided_by, adjustment.transaction_id) == (
        ApprovalStatus.APPROVED,
        approver,
        posted.id,
    )
    [changed] = balance_changes(bank)
    assert (changed.by_admin_id, changed.approved_by_admin_id) == (
        adjustment.requested_by,
        approver,
    )
    again = bank.run(lambda ledger: adjustment.approve(uuid4(), ledger))
    assert again.result is Result.REFUSED and "APPROVED" in again.detail
    assert len(bank.transactions) == 2  # the bonus and the one adjustment


def test_neither_the_requester_nor_the_member_may_approve() -> None:
    adjustment, bank = pending(Bank())
    for who in (adjustment.requested_by, adjustment.member_id):
        with pytest.raises(NotAllowed):
            bank.run(lambda ledger, who=who: adjustment.approve(who, ledger))
        with pytest.raises(NotAllowed):
            adjustment.reject(who, "no", NOW)
    assert adjustment.status is ApprovalStatus.PENDING
    with pytest.raises(NotAllowed, match="their own account"):
        PendingAdjustment.request(adjustment.member_id, h("20"), "me", adjustment.member_id, NOW)


def test_a_rejected_adjustment_posts_nothing_and_cannot_be_approved_later() -> None:
    adjustment, bank = pending(Bank())
    rejecter = uuid4()

    assert adjustment.reject(rejecter, "no receipt", NOW).result is Result.APPLIED
    late = bank.run(lambda ledger: adjustment.approve(uuid4(), ledger))

    assert late.result is Result.REFUSED
    assert (adjustment.status, adjustment.decided_by, adjustment.rejection_reason) == (
        ApprovalStatus.REJECTED,
        rejecter,
        "no receipt",
    )
    assert bank.account(adjustment.member_id).total == h("3.00")


def test_an_approval_the_balance_no_longer_allows_is_refused_and_stays_pending() -> None:
    adjustment, bank = pending(Bank(), "-20.00")
    outcome = bank.run(lambda ledger: adjustment.approve(uuid4(), ledger))
    assert outcome.result is Result.REFUSED
    assert adjustment.status is ApprovalStatus.PENDING


def test_a_dispute_s_resolution_records_the_deciding_admin_and_their_note() -> None:
    scene = Scene().into("FROZEN")
    admin = uuid4()

    scene.bank.run(
        lambda ledger: scene.hold.settle(
            scene.dispute,
            DisputeResolution.SPLIT,
            ledger,
            Decimal("0.50"),
            decided_by=AdminOrder(admin),
            note="half the job was done",
        )
    )

    settled = scene.bank.transactions[-1]
    assert settled.type is TransactionType.DISPUTE_RESOLUTION
    assert (settled.ordered_by, settled.reason) == (AdminOrder(admin), "half the job was done")
    assert {e.by_admin_id for e in balance_changes(scene.bank)} == {admin}
