"""The read side: balances, statements and holds as the API shows them, without locking."""

from decimal import Decimal
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.adapters.admin_repositories import pending_from_row
from hourbank_escrow.adapters.repositories import account_from_row, hold_from_row
from hourbank_escrow.api.schemas import (
    BalanceStatus,
    BalancesView,
    BalanceView,
    EscrowView,
    HoldMoveView,
    PendingAdjustmentView,
    PostingView,
    TransactionView,
)
from hourbank_escrow.domain import Balance
from hourbank_escrow.domain.accounts import SystemAccount
from hourbank_escrow.domain.approvals import ApprovalStatus
from hourbank_shared.auth import Principal
from hourbank_shared.contracts.enums import TransactionType
from hourbank_shared.errors import NotFound
from hourbank_shared.pagination import Page, decode_cursor, encode_cursor

ZERO = Decimal("0.00")


def account_of(session: Session, member_id: UUID) -> BalanceView:
    row = session.execute(select(t.accounts).where(t.accounts.c.member_id == member_id)).first()
    if row is None:
        raise NotFound(f"member {member_id} has no account yet: register first")
    return BalanceView.model_validate(account_from_row(row))


def own_account(session: Session, member_id: UUID) -> BalanceView:
    """The caller's balance; OPENING while escrow has not yet heard of their registration,
    which it cannot tell from a member who never registered (the requests service can)."""
    try:
        return account_of(session, member_id)
    except NotFound:
        return BalanceView(
            member_id=member_id, total=ZERO, available=ZERO, escrowed=ZERO, credit_limit=ZERO,
            status=BalanceStatus.OPENING,
        )  # fmt: skip


def transactions_of(
    session: Session, member_id: UUID, limit: int, cursor: str | None
) -> Page[TransactionView]:
    """The member's entries, newest first; the cursor is the last entry's `seq` shown."""
    after = decode_cursor(cursor)
    query = (
        select(t.entries, t.transactions)
        .join(t.transactions, t.transactions.c.id == t.entries.c.transaction_id)
        .where(t.entries.c.member_id == member_id)
        .order_by(t.entries.c.seq.desc())
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(t.entries.c.seq < after)
    rows = session.execute(query).all()
    shown = rows[:limit]
    more = len(rows) > limit
    return Page(
        items=[_transaction_view(row) for row in shown],
        next_cursor=encode_cursor(shown[-1].seq) if more else None,
    )


def pending_adjustments(
    session: Session, status: ApprovalStatus, limit: int, cursor: str | None
) -> Page[PendingAdjustmentView]:
    """Adjustments in `status`, oldest first; the cursor is the last one's `seq` shown."""
    after = decode_cursor(cursor)
    table = t.pending_adjustments
    query = (
        select(table).where(table.c.status == status.value).order_by(table.c.seq).limit(limit + 1)
    )
    if after is not None:
        query = query.where(table.c.seq > after)
    rows = session.execute(query).all()
    shown = rows[:limit]
    return Page(
        items=[PendingAdjustmentView.model_validate(pending_from_row(row)) for row in shown],
        next_cursor=encode_cursor(shown[-1].seq) if len(rows) > limit else None,
    )


def visible_hold(session: Session, request_id: UUID, principal: Principal) -> EscrowView:
    """The hold, if the caller is one of its parties or an admin; others learn nothing of it."""
    row = session.execute(select(t.holds).where(t.holds.c.request_id == request_id)).first()
    hold = hold_from_row(row) if row is not None else None
    if hold is None or not (
        principal.is_admin or principal.member_id in (hold.requester_id, hold.provider_id)
    ):
        raise NotFound(f"no escrow for request {request_id}")
    view = EscrowView.model_validate(hold)
    return view.model_copy(update={"moves": hold_moves(session, request_id)})


def hold_moves(session: Session, request_id: UUID) -> list[HoldMoveView]:
    """The request's ledger transactions with their postings, oldest first."""
    tx, p, e = t.transactions.c, t.postings.c, t.entries.c
    # one command may post two at the same time (a release and a refund): their entries'
    # append order tells which came first
    appended = select(func.min(e.seq)).where(e.transaction_id == tx.id).scalar_subquery()
    query = (
        select(tx.id, tx.type, tx.posted_at, tx.dispute_id, tx.reason, tx.by_admin_id)
        .add_columns(p.account, p.amount)
        .join_from(t.transactions, t.postings, p.transaction_id == tx.id)
        .where(tx.request_id == request_id)
        .order_by(tx.posted_at, appended, tx.id, p.position)
    )
    moves: dict[UUID, HoldMoveView] = {}
    for row in session.execute(query):
        move = moves.get(row.id)
        if move is None:
            move = moves[row.id] = HoldMoveView(
                transaction_id=row.id, type=TransactionType(row.type), posted_at=row.posted_at,
                escrowed_delta=ZERO, postings=[], dispute_id=row.dispute_id, reason=row.reason,
                by_admin_id=row.by_admin_id,
            )  # fmt: skip
        move.postings.append(PostingView(account=row.account, amount=row.amount))
        if row.account == SystemAccount.ESCROW:
            move.escrowed_delta += row.amount
    return list(moves.values())


def _transaction_view(row: Row[tuple[object, ...]]) -> TransactionView:
    m = row._mapping
    before = Balance(m[t.entries.c.total_before], m[t.entries.c.escrowed_before])
    after = Balance(m[t.entries.c.total_after], m[t.entries.c.escrowed_after])
    return TransactionView(
        entry_id=m[t.entries.c.id],
        transaction_id=m[t.transactions.c.id],
        type=TransactionType(m[t.transactions.c.type]),
        request_id=m[t.transactions.c.request_id],
        dispute_id=m[t.transactions.c.dispute_id],
        reason=m[t.transactions.c.reason],
        by_admin_id=m[t.transactions.c.by_admin_id],
        approved_by_admin_id=m[t.transactions.c.approved_by_admin_id],
        delta_total=after.total - before.total,
        delta_escrowed=after.escrowed - before.escrowed,
        before=BalancesView.model_validate(before),
        after=BalancesView.model_validate(after),
        posted_at=m[t.transactions.c.posted_at],
    )
