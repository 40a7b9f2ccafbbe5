"""Opening a member's account with its welcome bonus, and admin adjustments of its balance."""

from decimal import Decimal
from uuid import UUID

from hourbank_escrow.domain.accounts import Account, SystemAccount
from hourbank_escrow.domain.amounts import WELCOME_BONUS, ZERO, cents, non_negative_cents
from hourbank_escrow.domain.errors import InvalidAmount, NotAllowed
from hourbank_escrow.domain.ledger import Ledger
from hourbank_escrow.domain.outcomes import Outcome
from hourbank_escrow.domain.transactions import AdminOrder, Posting
from hourbank_shared.contracts.enums import HoldFailureReason, TransactionType

FUND = SystemAccount.COMMUNITY_FUND


def open_account(
    member_id: UUID,
    ledger: Ledger,
    welcome_bonus: Decimal = WELCOME_BONUS,
    credit_limit: Decimal = ZERO,
) -> Outcome:
    """Opens the account and grants the welcome bonus from `community-fund`, both exactly once:
    the account's existence is the guard, so the caller must have loaded it if there is one."""
    bonus = non_negative_cents(welcome_bonus)
    if ledger.account(member_id) is not None:
        return Outcome.no_op("the account is already open; its welcome bonus was granted then")
    ledger.add(Account.open(member_id, credit_limit))
    if bonus:
        ledger.post(
            TransactionType.WELCOME_BONUS,
            [Posting(FUND, -bonus), Posting(member_id, bonus)],
            reason="welcome bonus",
        )
    return Outcome.applied(f"opened with a welcome bonus of {bonus} h")


def adjust_balance(
    member_id: UUID, amount: Decimal, reason: str, ledger: Ledger, *, ordered_by: AdminOrder
) -> Outcome:
    """An admin adds (or, if negative, takes) hours, against `community-fund`.

    A deduction may not take `available` below −credit_limit: held hours stay held. No admin
    may adjust their own account, nor approve an adjustment of it.
    """
    amount = cents(amount)
    if amount == 0:
        raise InvalidAmount("an adjustment must move some hours")
    if not reason.strip():
        raise InvalidAmount("an adjustment needs a reason")
    if member_id in ordered_by.admins:
        raise NotAllowed("an admin may not adjust their own account: another admin must")
    account = ledger.account(member_id)
    if account is None:
        return Outcome.refused(HoldFailureReason.ACCOUNT_MISSING, "the member has no account")
    if amount < 0 and not account.can_go_down_by(-amount):
        return Outcome.refused(
            HoldFailureReason.INSUFFICIENT_BALANCE,
            f"taking {-amount} h would leave {account.available + amount} h available, "
            f"below −{account.credit_limit} h",
        )
    ledger.post(
        TransactionType.ADMIN_ADJUSTMENT,
        [Posting(FUND, -amount), Posting(member_id, amount)],
        reason=reason,
        ordered_by=ordered_by,
    )
    return Outcome.applied()
