from uuid import uuid4

import pytest

from hourbank_escrow.domain import (
    AccountStatus,
    AdminOrder,
    InvalidAmount,
    Result,
    SystemAccount,
    adjust_balance,
    open_account,
)
from hourbank_shared.contracts.enums import HoldFailureReason, TransactionType
from hourbank_shared.contracts.ledger import AccountOpened, BalanceChanged, CreditLimitChanged

from .bank import Bank, h

FUND = SystemAccount.COMMUNITY_FUND
ADMIN = AdminOrder(uuid4())


def test_opening_grants_the_default_welcome_bonus_from_the_community_fund() -> None:
    bank = Bank()
    member = bank.member()
    assert bank.balance(member) == (h("3.00"), h("0"), h("3.00"))
    assert bank.account(FUND).total == h("-3.00")
    [bonus] = bank.transactions
    assert bonus.type is TransactionType.WELCOME_BONUS
    opened, changed = bank.account(member).events
    assert opened == AccountOpened(member_id=member, credit_limit=h("0"))
    assert isinstance(changed, BalanceChanged)
    assert (changed.delta_total, changed.total_after, changed.reason) == (
        h("3.00"),
        h("3.00"),
        "welcome bonus",
    )


def test_the_welcome_bonus_is_granted_once_per_member() -> None:
    bank = Bank()
    member = bank.member()
    again = bank.run(lambda ledger: open_account(member, ledger))
    assert again.result is Result.NO_OP
    assert bank.balance(member) == (h("3.00"), h("0"), h("3.00"))
    assert len(bank.transactions) == 1
    assert bank.account(FUND).total == h("-3.00")


@pytest.mark.parametrize(("bonus", "transactions"), [("5.50", 1), ("0", 0)])
def test_the_welcome_bonus_is_configurable(bonus: str, transactions: int) -> None:
    bank = Bank()
    member = bank.member(bonus)
    assert bank.account(member).total == h(bonus)
    assert len(bank.transactions) == transactions
    assert bank.report().ok


def test_a_bonus_with_a_third_decimal_is_refused_not_rounded() -> None:
    bank = Bank()
    with pytest.raises(InvalidAmount):
        bank.member("3.005")


def test_an_admin_adjustment_moves_hours_between_fund_and_member_with_a_reason() -> None:
    bank = Bank()
    member = bank.member()
    outcome = bank.run(
        lambda ledger: adjust_balance(
            member, h("2.50"), "refund of a fee", ledger, ordered_by=ADMIN
        )
    )
    assert outcome.result is Result.APPLIED
    assert bank.balance(member) == (h("5.50"), h("0"), h("5.50"))
    assert bank.account(FUND).total == h("-5.50")
    adjustment = bank.transactions[-1]
    assert (adjustment.type, adjustment.reason) == (
        TransactionType.ADMIN_ADJUSTMENT,
        "refund of a fee",
    )
    assert bank.report().ok


@pytest.mark.parametrize(
    ("credit_limit", "take", "result"),
    [
        ("0", "-3.00", Result.APPLIED),
        ("0", "-3.01", Result.REFUSED),
        ("2.00", "-5.00", Result.APPLIED),
        ("2.00", "-5.01", Result.REFUSED),
    ],
)
def test_a_deduction_may_not_take_available_below_minus_the_credit_limit(
    credit_limit: str, take: str, result: Result
) -> None:
    bank = Bank()
    member = bank.member("3.00", credit_limit)
    outcome = bank.run(
        lambda ledger: adjust_balance(member, h(take), "correction", ledger, ordered_by=ADMIN)
    )
    assert outcome.result is result
    if result is Result.REFUSED:
        assert outcome.reason is HoldFailureReason.INSUFFICIENT_BALANCE
        assert bank.balance(member) == (h("3.00"), h("0"), h("3.00"))
        assert len(bank.transactions) == 1
    else:
        assert bank.account(member).total == h("3.00") + h(take)
    assert bank.report().ok


def test_a_deduction_cannot_take_held_hours() -> None:
    bank = Bank()
    member, provider = bank.member(), bank.member()
    hold = bank.new_hold(member, provider)
    bank.run(lambda ledger: hold.place(h("2.00"), ledger))
    refused = bank.run(
        lambda ledger: adjust_balance(member, h("-1.01"), "x", ledger, ordered_by=ADMIN)
    )
    taken = bank.run(
        lambda ledger: adjust_balance(member, h("-1.00"), "x", ledger, ordered_by=ADMIN)
    )
    assert (refused.result, taken.result) == (Result.REFUSED, Result.APPLIED)
    assert bank.balance(member) == (h("2.00"), h("2.00"), h("0.00"))
    assert bank.report().ok


def test_adjusting_a_missing_account_is_refused() -> None:
    bank = Bank()
    outcome = bank.run(
        lambda ledger: adjust_balance(uuid4(), h("1"), "x", ledger, ordered_by=ADMIN)
    )
    assert (outcome.result, outcome.reason) == (Result.REFUSED, HoldFailureReason.ACCOUNT_MISSING)
    assert bank.transactions == []


@pytest.mark.parametrize(("amount", "reason"), [("0", "x"), ("1.001", "x"), ("1", "  ")])
def test_an_adjustment_moves_whole_hundredths_for_a_reason(amount: str, reason: str) -> None:
    bank = Bank()
    member = bank.member()
    with pytest.raises(InvalidAmount):
        bank.run(lambda ledger: adjust_balance(member, h(amount), reason, ledger, ordered_by=ADMIN))


def test_an_admin_changes_the_credit_limit() -> None:
    bank = Bank()
    member, admin = bank.member(), uuid4()
    account = bank.account(member)
    account.events.clear()
    assert account.change_credit_limit(h("5"), admin, "trusted helper").result is Result.APPLIED
    assert account.credit_limit == h("5.00")
    assert account.events == [
        CreditLimitChanged(
            member_id=member,
            previous=h("0"),
            credit_limit=h("5.00"),
            by_admin_id=admin,
            reason="trusted helper",
        )
    ]
    assert account.change_credit_limit(h("5.00"), admin, "again").result is Result.NO_OP
    assert len(account.events) == 1
    with pytest.raises(InvalidAmount):
        account.change_credit_limit(h("-1"), admin, "x")
    with pytest.raises(InvalidAmount):
        bank.account(FUND).change_credit_limit(h("1"), admin, "x")


def test_the_credit_limit_cannot_drop_below_an_overdraft_already_used() -> None:
    bank = Bank()
    member = bank.member("0", "2.00")
    bank.run(lambda ledger: adjust_balance(member, h("-1.50"), "x", ledger, ordered_by=ADMIN))
    account = bank.account(member)
    lowered = account.change_credit_limit(h("1.49"), uuid4(), "x")
    assert (lowered.result, account.credit_limit) == (Result.REFUSED, h("2.00"))
    assert account.change_credit_limit(h("1.50"), uuid4(), "x").result is Result.APPLIED
    assert bank.report().ok


def test_suspension_and_reactivation() -> None:
    bank = Bank()
    account = bank.account(bank.member())
    assert account.suspend().result is Result.APPLIED
    assert account.suspend().result is Result.NO_OP
    assert account.status is AccountStatus.SUSPENDED
    assert account.reactivate().result is Result.APPLIED
    assert account.status is AccountStatus.ACTIVE


def test_a_replayed_or_reordered_status_change_cannot_roll_the_status_back() -> None:
    bank = Bank()
    account = bank.account(bank.member())
    assert account.suspend(sequence=1).result is Result.APPLIED
    assert account.reactivate(sequence=2).result is Result.APPLIED
    assert account.suspend(sequence=1).result is Result.NO_OP  # the old suspension, replayed
    assert account.suspend().result is Result.NO_OP  # from before sequences: older still
    assert (account.status, account.status_sequence) == (AccountStatus.ACTIVE, 2)
    assert account.suspend(sequence=3).result is Result.APPLIED
    assert account.status is AccountStatus.SUSPENDED
