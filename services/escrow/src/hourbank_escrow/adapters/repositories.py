"""Repositories over one session: accounts and holds are locked as they load, the ledger appended.

Each repository remembers the version it loaded; a save updates only what changed and only if the
row still has that version, so a write that somehow skipped the lock fails instead of being lost.
"""

from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy import Row, bindparam, insert, select
from sqlalchemy.orm import Session

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.domain import (
    Account,
    AccountRef,
    AccountStatus,
    Balance,
    Entry,
    Hold,
    SystemAccount,
    Tombstone,
    Transaction,
)
from hourbank_shared.contracts.enums import HoldStatus
from hourbank_shared.db import save_versioned, stage_insert

# Statements built once, their values bound per call (why: `hourbank_shared.db`).
_LOCK_ACCOUNTS = (
    select(t.accounts)
    .where(t.accounts.c.ref.in_(bindparam("refs", expanding=True)))
    .order_by(t.accounts.c.ref)
    .with_for_update()
)
_LOCK_HOLD = (
    select(t.holds).where(t.holds.c.request_id == bindparam("request_id")).with_for_update()
)
_ENTRIES_OF = (
    select(t.entries)
    .where(t.entries.c.member_id == bindparam("member_id"))
    .order_by(t.entries.c.seq)
)
_INSERT_TRANSACTIONS = insert(t.transactions)
_INSERT_POSTINGS = insert(t.postings)
_INSERT_ENTRIES = insert(t.entries)


def key(ref: AccountRef) -> str:
    return str(ref)


def ref_of(value: str) -> AccountRef:
    return SystemAccount(value) if value in set(SystemAccount) else UUID(value)


class SqlAccounts:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._loaded: dict[AccountRef, int] = {}

    def lock(self, member_ids: Iterable[UUID], *, system: bool = True) -> list[Account]:
        """The members' accounts that exist, and the system accounts, locked FOR UPDATE.

        Rows are locked in key order (ORDER BY under FOR UPDATE locks as it returns them), so two
        units of work locking overlapping sets wait for each other instead of deadlocking.
        """
        refs: list[AccountRef] = [*member_ids, *(SystemAccount if system else ())]
        keys = sorted({key(ref) for ref in refs})
        loaded = [
            account_from_row(row) for row in self._session.execute(_LOCK_ACCOUNTS, {"refs": keys})
        ]
        self._loaded.update((account.ref, account.version) for account in loaded)
        return loaded

    def save(self, accounts: Iterable[Account]) -> None:
        """Inserts accounts opened in this unit of work, updates the loaded ones that changed."""
        for account in sorted(accounts, key=lambda a: key(a.ref)):
            values = {
                "total": account.total,
                "escrowed": account.escrowed,
                "credit_limit": account.credit_limit,
                "status": account.status.value,
                "status_sequence": account.status_sequence,
                "version": account.version,
            }
            save_versioned(
                self._session, t.accounts, {"ref": key(account.ref)},
                self._loaded.get(account.ref), account.version,
                {"ref": key(account.ref), "member_id": account.member_id}, values,
            )  # fmt: skip
            self._loaded[account.ref] = account.version


class SqlLedger:
    """The append-only ledger: transactions, their postings and the member-side entries."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, transactions: Sequence[Transaction], entries: Sequence[Entry]) -> None:
        if not transactions:
            return
        # inserted at the commit, with the rest of a consumer's batch: nothing reads them before
        stage_insert(
            self._session, _INSERT_TRANSACTIONS, *(_transaction(tx) for tx in transactions)
        )
        postings = [
            {
                "transaction_id": tx.id,
                "position": position,
                "account": key(posting.account),
                "amount": posting.amount,
                "held_for": posting.held_for,
            }
            for tx in transactions
            for position, posting in enumerate(tx.postings)
        ]
        stage_insert(self._session, _INSERT_POSTINGS, *postings)
        stage_insert(self._session, _INSERT_ENTRIES, *(_entry_row(entry) for entry in entries))

    def entries_of(self, member_id: UUID) -> list[Entry]:
        """A member's entries in the order they were posted."""
        rows = self._session.execute(_ENTRIES_OF, {"member_id": member_id})
        return [entry_from_row(row) for row in rows]


class SqlHolds:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._loaded: dict[UUID, int] = {}

    def lock(self, request_id: UUID) -> Hold | None:
        row = self._session.execute(_LOCK_HOLD, {"request_id": request_id}).first()
        if row is None:
            return None
        hold = hold_from_row(row)
        self._loaded[hold.request_id] = hold.version
        return hold

    def save(self, hold: Hold) -> None:
        values = {
            "status": hold.status.value if hold.status is not None else None,
            "amount": hold.amount,
            "dispute_id": hold.dispute_id,
            "dismissed_disputes": list(hold.dismissed_disputes),
            "provider_amount": hold.provider_amount,
            "requester_refund": hold.requester_refund,
            "tombstone": hold.tombstone.value if hold.tombstone is not None else None,
            "version": hold.version,
        }
        identity = {
            "request_id": hold.request_id,
            "id": hold.id,
            "requester_id": hold.requester_id,
            "provider_id": hold.provider_id,
        }
        save_versioned(
            self._session, t.holds, {"request_id": hold.request_id},
            self._loaded.get(hold.request_id), hold.version, identity, values,
        )  # fmt: skip
        self._loaded[hold.request_id] = hold.version


def account_from_row(row: Row[tuple[object, ...]]) -> Account:
    m = row._mapping
    return Account(
        ref_of(m["ref"]),
        total=m["total"],
        escrowed=m["escrowed"],
        credit_limit=m["credit_limit"],
        status=AccountStatus(m["status"]),
        status_sequence=m["status_sequence"],
        version=m["version"],
    )


def entry_from_row(row: Row[tuple[object, ...]]) -> Entry:
    m = row._mapping
    return Entry(
        m["transaction_id"],
        m["member_id"],
        Balance(m["total_before"], m["escrowed_before"]),
        Balance(m["total_after"], m["escrowed_after"]),
        id=m["id"],
    )


def hold_from_row(row: Row[tuple[object, ...]]) -> Hold:
    m = row._mapping
    return Hold(
        m["request_id"],
        m["requester_id"],
        m["provider_id"],
        status=HoldStatus(m["status"]) if m["status"] is not None else None,
        amount=m["amount"],
        id=m["id"],
        dispute_id=m["dispute_id"],
        dismissed_disputes=tuple(m["dismissed_disputes"]),
        provider_amount=m["provider_amount"],
        requester_refund=m["requester_refund"],
        tombstone=Tombstone(m["tombstone"]) if m["tombstone"] is not None else None,
        version=m["version"],
    )


def _transaction(tx: Transaction) -> dict[str, object]:
    return {
        "id": tx.id,
        "type": tx.type.value,
        "posted_at": tx.posted_at,
        "causation_id": tx.causation_id,
        "request_id": tx.request_id,
        "dispute_id": tx.dispute_id,
        "reason": tx.reason,
        "by_admin_id": tx.ordered_by.admin_id if tx.ordered_by else None,
        "approved_by_admin_id": tx.ordered_by.approved_by if tx.ordered_by else None,
    }


def _entry_row(entry: Entry) -> dict[str, object]:
    return {
        "id": entry.id,
        "transaction_id": entry.transaction_id,
        "member_id": entry.member_id,
        "total_before": entry.before.total,
        "escrowed_before": entry.before.escrowed,
        "total_after": entry.after.total,
        "escrowed_after": entry.after.escrowed,
    }
