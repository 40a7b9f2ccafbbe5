"""One function per consumed event. Each runs one unit of work: inbox claim, domain call,
outbox, one commit. Locks are always taken hold first, then accounts in key order."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from hourbank_escrow import metrics
from hourbank_escrow.domain import Account, AdminOrder, Hold, Ledger, Outcome, open_account
from hourbank_escrow.domain.outcomes import Result
from hourbank_escrow.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock
from hourbank_shared.contracts.disputes import DisputeDismissed, DisputeResolved
from hourbank_shared.contracts.enums import DisputeResolution
from hourbank_shared.contracts.members import (
    MemberReactivated,
    MemberRegistered,
    MemberRegisteredV2,
    MemberSuspended,
)
from hourbank_shared.contracts.requests import (
    RequestCancelled,
    RequestCompleted,
    RequestDeclined,
    RequestDisputed,
    RequestExpired,
    RequestOfferAccepted,
    RequestSubmitted,
)
from hourbank_shared.envelope import Envelope

CONSUMER = "escrow"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    uow: Callable[[], SqlUnitOfWork]
    clock: Clock
    welcome_bonus: Decimal
    default_credit_limit: Decimal


class Parties(Protocol):
    @property
    def request_id(self) -> UUID: ...
    @property
    def requester_id(self) -> UUID: ...
    @property
    def provider_id(self) -> UUID: ...


def on_accounts(
    ctx: Context, envelope: Envelope, members: Iterable[UUID], act: Callable[[Ledger], Outcome]
) -> Outcome | None:
    """Runs `act` on the members' locked accounts; None if the event was handled before."""
    with ctx.uow() as uow:
        if not uow.inbox.claim(CONSUMER, envelope.id, envelope.type):
            return None
        ledger = Ledger(uow.accounts.lock(members), now=ctx.clock.now(), causation_id=envelope.id)
        outcome = act(ledger)
        uow.save(ledger)
        uow.publish_ledger(ledger, caused_by=envelope)
        uow.commit()
    return _logged(envelope, outcome)


def on_hold(
    ctx: Context, envelope: Envelope, parties: Parties, act: Callable[[Hold, Ledger], Outcome]
) -> Outcome | None:
    """Runs `act` on the request's hold (new if none) and both parties' locked accounts."""
    with ctx.uow() as uow:
        if not uow.inbox.claim(CONSUMER, envelope.id, envelope.type):
            return None
        hold = uow.holds.lock(parties.request_id) or Hold(
            parties.request_id, parties.requester_id, parties.provider_id
        )
        accounts = uow.accounts.lock([parties.requester_id, parties.provider_id])
        ledger = Ledger(accounts, now=ctx.clock.now(), causation_id=envelope.id)
        outcome = act(hold, ledger)
        # a hold that was never placed and recorded nothing (version 0) is not stored
        uow.save(ledger, *([hold] if hold.version else []))
        uow.publish_ledger(ledger, hold, caused_by=envelope)
        uow.commit()
    return _logged(envelope, outcome)


def _logged(envelope: Envelope, outcome: Outcome) -> Outcome:
    level = logging.WARNING if outcome.result is Result.REFUSED else logging.INFO
    log.log(level, "%s %s: %s %s", envelope.type, envelope.subject, outcome.result, outcome.detail)
    return outcome


def _on_account(member_id: UUID, act: Callable[[Account], Outcome]) -> Callable[[Ledger], Outcome]:
    """Runs `act` on the member's account; a no-op if escrow has none for them."""

    def run(ledger: Ledger) -> Outcome:
        account = ledger.account(member_id)
        return act(account) if account is not None else Outcome.no_op("the member has no account")

    return run


def when_member_registered(
    ctx: Context, envelope: Envelope, event: MemberRegistered | MemberRegisteredV2
) -> None:
    on_accounts(
        ctx,
        envelope,
        [event.member_id],
        lambda ledger: open_account(
            event.member_id, ledger, ctx.welcome_bonus, ctx.default_credit_limit
        ),
    )


def when_member_suspended(ctx: Context, envelope: Envelope, event: MemberSuspended) -> None:
    suspend = _on_account(event.member_id, lambda account: account.suspend(event.sequence))
    on_accounts(ctx, envelope, [event.member_id], suspend)


def when_member_reactivated(ctx: Context, envelope: Envelope, event: MemberReactivated) -> None:
    reactivate = _on_account(event.member_id, lambda account: account.reactivate(event.sequence))
    on_accounts(ctx, envelope, [event.member_id], reactivate)


def when_request_submitted(ctx: Context, envelope: Envelope, event: RequestSubmitted) -> None:
    def open_accounts_then_hold(hold: Hold, ledger: Ledger) -> Outcome:
        # The requests service takes submissions from registered members only, so this proves
        # both are members even when their `member.registered` (another topic) has not reached
        # escrow yet: their accounts open now, bonus included; the account's existence keeps
        # it to once when the registration arrives.
        for member_id in (event.requester_id, event.provider_id):
            open_account(member_id, ledger, ctx.welcome_bonus, ctx.default_credit_limit)
        return hold.place(event.amount, ledger)

    on_hold(ctx, envelope, event, open_accounts_then_hold)


def when_offer_accepted(ctx: Context, envelope: Envelope, event: RequestOfferAccepted) -> None:
    on_hold(ctx, envelope, event, lambda hold, ledger: hold.adjust(event.amount, ledger))


def when_request_ended(
    ctx: Context, envelope: Envelope, event: RequestDeclined | RequestExpired | RequestCancelled
) -> None:
    on_hold(ctx, envelope, event, lambda hold, ledger: hold.refund(ledger))


def when_request_completed(ctx: Context, envelope: Envelope, event: RequestCompleted) -> None:
    outcome = on_hold(
        ctx, envelope, event, lambda hold, ledger: hold.release(event.actual_amount, ledger)
    )
    # counted once committed (on_hold returns after the commit; None: handled before)
    if outcome is not None and outcome.result is not Result.NO_OP:
        applied = outcome.result is Result.APPLIED
        metrics.PAYMENTS.labels("released" if applied else "failed").inc()


def when_request_disputed(ctx: Context, envelope: Envelope, event: RequestDisputed) -> None:
    on_hold(ctx, envelope, event, lambda hold, ledger: hold.freeze(event.dispute_id))


def when_dispute_dismissed(ctx: Context, envelope: Envelope, event: DisputeDismissed) -> None:
    on_hold(ctx, envelope, event, lambda hold, ledger: hold.unfreeze(event.dispute_id))


def when_dispute_resolved(ctx: Context, envelope: Envelope, event: DisputeResolved) -> None:
    # Only a SPLIT names the provider's part; the refund is always what is left of the hold,
    # which escrow knows better than the disputes service's copy of the amount.
    split = event.provider_amount if event.resolution is DisputeResolution.SPLIT else None
    admin = AdminOrder(event.admin_id)

    def settle(hold: Hold, ledger: Ledger) -> Outcome:
        return hold.settle(
            event.dispute_id, event.resolution, ledger, split, decided_by=admin, note=event.note
        )

    on_hold(ctx, envelope, event, settle)
