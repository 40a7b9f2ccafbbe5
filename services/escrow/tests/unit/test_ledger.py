from dataclasses import FrozenInstanceError
from datetime import datetime
from uuid import uuid4

import pytest

from hourbank_escrow.domain import (
    Account,
    Ledger,
    Posting,
    SystemAccount,
    Transaction,
    UnbalancedTransaction,
    UnknownAccount,
)
from hourbank_escrow.domain.errors import InvalidAmount
from hourbank_escrow.domain.transactions import into_escrow, out_of_escrow
from hourbank_shared.contracts.enums import TransactionType
from hourbank_shared.contracts.ledger import AccountOpened, BalanceChanged

from .bank import NOW, Bank, h

FUND, ESCROW = SystemAccount.COMMUNITY_FUND, SystemAccount.ESCROW


def test_postings_that_do_not_sum_to_zero_are_refused() -> None:
    member = uuid4()
    with pytest.raises(UnbalancedTransaction, match=r"sum to 0\.01, not 0"):
        Transaction(
            TransactionType.ADMIN_ADJUSTMENT,
            (Posting(FUND, h("-1.00")), Posting(member, h("1.01"))),
            NOW,
        )


@pytest.mark.parametrize(
    ("postings", "why"),
    [
        ((Posting(FUND, h("1.00")),), "at least two postings"),
        ((), "at least two postings"),
    ],
)
def test_a_transaction_needs_two_postings(postings: tuple[Posting, ...], why: str) -> None:
    with pytest.raises(UnbalancedTransaction, match=why):
        Transaction(TransactionType.WELCOME_BONUS, postings, NOW)


def test_postings_move_whole_hundredths_and_name_whose_escrow_share() -> None:
    with pytest.raises(UnbalancedTransaction, match="must move some hours"):
        Posting(FUND, h("0.00"))
    with pytest.raises(InvalidAmount, match="hundredths"):
        Posting(FUND, h("0.005"))
    with pytest.raises(UnbalancedTransaction, match="member held for"):
        Posting(ESCROW, h("1.00"))
    with pytest.raises(UnbalancedTransaction, match="member held for"):
        Posting(uuid4(), h("1.00"), held_for=uuid4())
    assert Posting(FUND, h("1.5")).amount.as_tuple().exponent == -2


def test_a_transaction_needs_an_aware_time() -> None:
    member = uuid4()
    with pytest.raises(UnbalancedTransaction, match="time zone"):
        Transaction(
            TransactionType.WELCOME_BONUS,
            (Posting(FUND, h("-1")), Posting(member, h("1"))),
            datetime(2026, 1, 1),
        )


def test_transactions_and_entries_cannot_be_changed() -> None:
    bank = Bank()
    bank.member()
    transaction, entry = bank.transactions[0], bank.entries[0]
    with pytest.raises(FrozenInstanceError):
        transaction.reason = "edited"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        entry.after = entry.before  # type: ignore[misc]


def test_a_hold_moves_hours_between_the_members_two_pockets_so_total_stays() -> None:
    member = uuid4()
    account = Account(member, total=h("3.00"))
    escrow = Account(ESCROW)
    ledger = Ledger([account, escrow], now=NOW)
    ledger.post(TransactionType.ESCROW_HOLD, into_escrow(member, h("1.25")))
    assert (account.total, account.escrowed, account.available) == (h("3.00"), h("1.25"), h("1.75"))
    assert escrow.total == h("1.25")
    [entry] = ledger.entries
    assert (entry.delta_total, entry.delta_escrowed) == (h("0"), h("1.25"))
    assert entry.before.available == h("3.00")
    assert entry.after.available == h("1.75")


def test_paying_out_of_escrow_moves_total_from_requester_to_provider() -> None:
    requester, provider = uuid4(), uuid4()
    accounts = [
        Account(requester, total=h("3.00"), escrowed=h("2.00")),
        Account(provider, total=h("1.00")),
        Account(ESCROW, total=h("2.00")),
    ]
    ledger = Ledger(accounts, now=NOW, causation_id=uuid4())
    transaction = ledger.post(
        TransactionType.ESCROW_RELEASE,
        out_of_escrow(requester, provider, h("1.50")),
        request_id=uuid4(),
    )
    assert [a.balance.total for a in accounts] == [h("1.50"), h("2.50"), h("0.50")]
    assert accounts[0].escrowed == h("0.50")
    assert [e.member_id for e in ledger.entries] == [requester, provider]
    [changed] = accounts[1].events
    assert isinstance(changed, BalanceChanged)
    assert changed.transaction_id == transaction.id
    assert changed.transaction_type is TransactionType.ESCROW_RELEASE
    assert changed.request_id == transaction.request_id
    assert (changed.delta_total, changed.delta_escrowed) == (h("1.50"), h("0"))
    assert (changed.total_before, changed.total_after) == (h("1.00"), h("2.50"))
    assert (changed.available_before, changed.available_after) == (h("1.00"), h("2.50"))
    assert changed.posted_at == NOW


def test_one_balance_changed_per_member_side_entry_none_for_system_accounts() -> None:
    bank = Bank()
    member = bank.member("3.00")
    [opened, bonus] = bank.account(member).events
    assert isinstance(opened, AccountOpened)
    assert isinstance(bonus, BalanceChanged)
    assert bonus.entry_id == bank.entries[0].id
    assert bank.account(FUND).events == []


def test_posting_to_an_account_not_loaded_changes_nothing() -> None:
    member = uuid4()
    fund = Account(FUND)
    ledger = Ledger([fund], now=NOW)
    with pytest.raises(UnknownAccount, match=str(member)):
        ledger.post(
            TransactionType.WELCOME_BONUS, [Posting(FUND, h("-3")), Posting(member, h("3"))]
        )
    assert (fund.total, fund.version, ledger.transactions, ledger.entries) == (h("0"), 0, [], [])


def test_nothing_leaves_escrow_beyond_what_is_held_for_the_member() -> None:
    requester, provider = uuid4(), uuid4()
    accounts = [
        Account(requester, total=h("3.00"), escrowed=h("1.00")),
        Account(provider),
        Account(ESCROW, total=h("1.00")),
    ]
    ledger = Ledger(accounts, now=NOW)
    with pytest.raises(UnbalancedTransaction, match="more out of escrow than is held"):
        ledger.post(TransactionType.ESCROW_RELEASE, out_of_escrow(requester, provider, h("1.01")))
    assert [(a.total, a.escrowed, a.version) for a in accounts] == [
        (h("3.00"), h("1.00"), 0),
        (h("0"), h("0"), 0),
        (h("1.00"), h("0"), 0),
    ]
    assert ledger.transactions == ledger.entries == []
