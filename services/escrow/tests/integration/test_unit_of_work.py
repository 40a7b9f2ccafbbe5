from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.adapters import tables
from hourbank_escrow.domain import Account, Hold, Ledger, Result, SystemAccount, open_account
from hourbank_escrow.unit_of_work import SqlUnitOfWork
from hourbank_shared.contracts.enums import HoldStatus, TransactionType

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONSUMER = "escrow.test"


def open_member(sessions: sessionmaker[Session], member_id: UUID) -> None:
    with SqlUnitOfWork(sessions) as uow:
        ledger = Ledger(uow.accounts.lock([member_id]), now=NOW)
        open_account(member_id, ledger)
        uow.save(ledger)
        uow.commit()


def locked(uow: SqlUnitOfWork, *member_ids: UUID) -> dict[object, Account]:
    return {account.ref: account for account in uow.accounts.lock(member_ids)}


def count(session: Session, table: Table) -> int:
    return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_an_opened_account_reloads_with_its_welcome_bonus(
    sessions: sessionmaker[Session],
) -> None:
    member = uuid4()
    open_member(sessions, member)

    with SqlUnitOfWork(sessions) as uow:
        accounts = locked(uow, member)
        entries = uow.ledger.entries_of(member)
        types = uow.session.execute(select(tables.transactions.c.type)).scalars().all()
        postings = count(uow.session, tables.postings)

    assert (accounts[member].total, accounts[member].escrowed) == (Decimal("3.00"), Decimal("0"))
    assert accounts[member].available == Decimal("3.00")
    assert accounts[member].version == 1
    assert accounts[SystemAccount.COMMUNITY_FUND].total == Decimal("-3.00")
    assert accounts[SystemAccount.ESCROW].total == Decimal("0.00")
    assert types == [TransactionType.WELCOME_BONUS.value]
    assert postings == 2
    [entry] = entries
    assert (entry.before.total, entry.after.total) == (Decimal("0.00"), Decimal("3.00"))
    assert entry.delta_total == Decimal("3.00")


def test_a_placed_hold_reloads_with_the_hours_it_set_aside(
    sessions: sessionmaker[Session],
) -> None:
    requester, provider, request_id, dispute = uuid4(), uuid4(), uuid4(), uuid4()
    open_member(sessions, requester)
    open_member(sessions, provider)

    with SqlUnitOfWork(sessions) as uow:
        assert uow.holds.lock(request_id) is None
        ledger = Ledger(uow.accounts.lock([requester, provider]), now=NOW)
        hold = Hold(request_id, requester, provider)
        assert hold.place(Decimal("2.50"), ledger).result is Result.APPLIED
        uow.save(ledger, hold)
        uow.commit()

    with SqlUnitOfWork(sessions) as uow:
        reloaded = uow.holds.lock(request_id)
        assert reloaded is not None
        reloaded.unfreeze(dispute)  # remembered while HELD: saves the dismissed dispute
        uow.save(Ledger([], now=NOW), reloaded)
        uow.commit()

    with SqlUnitOfWork(sessions) as uow:
        again = uow.holds.lock(request_id)
        accounts = locked(uow, requester, provider)
        entries = uow.ledger.entries_of(requester)

    assert again is not None
    assert (again.status, again.amount, again.version) == (HoldStatus.HELD, Decimal("2.50"), 2)
    assert (again.id, again.requester_id, again.provider_id) == (hold.id, requester, provider)
    assert again.dismissed_disputes == (dispute,)
    assert again.tombstone is None
    assert accounts[requester].balance.total == Decimal("3.00")
    assert accounts[requester].escrowed == Decimal("2.50")
    assert accounts[requester].available == Decimal("0.50")
    assert accounts[provider].available == Decimal("3.00")
    assert accounts[SystemAccount.ESCROW].total == Decimal("2.50")
    assert accounts[SystemAccount.COMMUNITY_FUND].total == Decimal("-6.00")
    assert [(e.after.total, e.after.escrowed) for e in entries] == [
        (Decimal("3.00"), Decimal("0.00")),
        (Decimal("3.00"), Decimal("2.50")),
    ]


def test_leaving_without_commit_leaves_nothing(sessions: sessionmaker[Session]) -> None:
    member, event_id = uuid4(), uuid4()

    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbox.claim(CONSUMER, event_id, "MemberRegistered")
        ledger = Ledger(uow.accounts.lock([member]), now=NOW)
        open_account(member, ledger)
        uow.save(ledger)
        for event in ledger.accounts[member].events:
            uow.outbox.add(event)
        assert count(uow.session, tables.outbox) == 2

    with SqlUnitOfWork(sessions) as uow:
        refs = [account.ref for account in uow.accounts.lock([member])]
        counts = [
            count(uow.session, table)
            for table in (tables.inbox, tables.outbox, tables.transactions, tables.entries)
        ]

    assert sorted(refs) == [SystemAccount.COMMUNITY_FUND, SystemAccount.ESCROW]
    assert counts == [0, 0, 0, 0]


def test_a_committed_inbox_claim_turns_the_next_claim_into_a_no_op(
    sessions: sessionmaker[Session],
) -> None:
    event_id = uuid4()
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbox.claim(CONSUMER, event_id, "RequestSubmitted") is True
        uow.commit()

    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbox.claim(CONSUMER, event_id, "RequestSubmitted") is False
        assert uow.inbox.claim("escrow.other", event_id, "RequestSubmitted") is True
