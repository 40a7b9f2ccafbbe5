"""A member's own account: balance and statement (and, for admins, any member's statement)."""

from uuid import UUID

from fastapi import APIRouter

from hourbank_escrow.api.dependencies import ReadSession
from hourbank_escrow.api.queries import own_account, transactions_of
from hourbank_escrow.api.schemas import BalanceView, TransactionView
from hourbank_shared.auth import AdminPrincipal, CurrentPrincipal
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


@router.get("/me")
def my_account(principal: CurrentPrincipal, session: ReadSession) -> BalanceView:
    """The caller's balance (status OPENING, all zeros, until their account is open)."""
    return own_account(session, principal.member_id)


@router.get("/me/transactions")
def my_transactions(
    principal: CurrentPrincipal, session: ReadSession, limit: Limit = 50, cursor: Cursor = None
) -> Page[TransactionView]:
    """The caller's ledger entries, newest first."""
    return transactions_of(session, principal.member_id, limit, cursor)


@router.get("/{member_id}/transactions", responses={403: {"description": "Not an admin"}})
def member_transactions(
    member_id: UUID,
    _: AdminPrincipal,
    session: ReadSession,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TransactionView]:
    """Admins: a member's ledger entries, newest first (as the member sees them)."""
    return transactions_of(session, member_id, limit, cursor)
