"""The whole ledger as stored, loaded for reconciliation."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.adapters.repositories import (
    account_from_row,
    entry_from_row,
    hold_from_row,
    ref_of,
)
from hourbank_escrow.domain import (
    Entry,
    Posting,
    ReconciliationReport,
    Transaction,
    reconcile,
)
from hourbank_shared.contracts.enums import TransactionType


def _transactions(session: Session) -> list[Transaction]:
    postings: dict[object, list[Posting]] = defaultdict(list)
    for row in session.execute(select(t.postings).order_by(t.postings.c.position)):
        postings[row.transaction_id].append(
            Posting(ref_of(row.account), row.amount, held_for=row.held_for)
        )
    return [
        Transaction(
            TransactionType(row.type),
            tuple(postings[row.id]),
            row.posted_at,
            causation_id=row.causation_id,
            request_id=row.request_id,
            dispute_id=row.dispute_id,
            reason=row.reason,
            id=row.id,
        )
        for row in session.execute(select(t.transactions))
    ]


def _entries(session: Session) -> list[Entry]:
    query = select(t.entries).order_by(t.entries.c.seq)
    return [entry_from_row(row) for row in session.execute(query)]


def reconcile_stored(session: Session) -> ReconciliationReport:
    """Check every invariant on one consistent snapshot (REPEATABLE READ)."""
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    accounts = [account_from_row(row) for row in session.execute(select(t.accounts))]
    holds = [hold_from_row(row) for row in session.execute(select(t.holds))]
    return reconcile(accounts, _transactions(session), _entries(session), holds)
