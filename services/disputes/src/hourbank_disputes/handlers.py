"""Commands and reactions of disputes.

Commands run inside the caller's unit of work (the API adds its idempotency record and
commits once). Reactions to the requests service's events own their unit of work: inbox
claim, projection update, domain call, outbox, one commit. A dispute row is always locked
before it changes, so an admin's resolution and the request's confirmation serialize.

A dispute on a request the projection has not seen is accepted PENDING (docs/consistency.md,
#2), and decided by the reaction that brings the request's first event.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar
from uuid import UUID, uuid4

from hourbank_disputes.domain.dispute import Caller, Dispute
from hourbank_disputes.domain.errors import NotVisible
from hourbank_disputes.domain.evidence import Evidence, EvidenceKind
from hourbank_disputes.domain.projection import projected
from hourbank_disputes.metrics import observe_decision_after_commit
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock
from hourbank_shared.contracts.enums import DisputeResolution, DisputeType
from hourbank_shared.contracts.requests import (
    RequestDisputed,
    RequestDisputeRefused,
    RequestEvent,
)
from hourbank_shared.envelope import Envelope

CONSUMER = "disputes"
Known = TypeVar("Known")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    uow: Callable[[], SqlUnitOfWork]
    clock: Clock
    wait_for_request_seconds: float = 2.0
    """How long opening a dispute waits for the projection to learn of an unknown request
    before it accepts the dispute PENDING."""


# commands (inside the caller's unit of work) ----------------------------------------------


def open_dispute(
    ctx: Context,
    uow: SqlUnitOfWork,
    caller: Caller,
    request_id: UUID,
    dispute_type: DisputeType,
    description: str,
) -> Dispute:
    """Opened on the projected request. One the projection has not seen yet is waited for a
    moment, as the member may have acted on it before its first event reached us; still
    unknown, the dispute is accepted PENDING (unknown is not final)."""
    request = waited_for(ctx, lambda: uow.requests.get(request_id))
    if request is None:  # a last look under the request's lock (`_decide_pending`)
        uow.requests.lock(request_id)
        request = uow.requests.get(request_id)
    if request is None:
        dispute = Dispute.pending(
            uuid4(), caller, request_id, dispute_type, description, ctx.clock.now()
        )
    else:
        dispute = Dispute.open(
            uuid4(),
            caller,
            request,
            dispute_type,
            description,
            ctx.clock.now(),
            open_already=uow.disputes.open_for(request_id),
        )
    uow.disputes.add(dispute)
    uow.publish(dispute)
    return dispute


def waited_for(ctx: Context, lookup: Callable[[], Known | None]) -> Known | None:
    """What `lookup` finds in a copy of another service's data, polled for up to
    `wait_for_request_seconds` while it finds nothing (read committed: each query sees what
    the consumer committed since)."""
    waited_until = time.monotonic() + ctx.wait_for_request_seconds
    found = lookup()
    while found is None and time.monotonic() < waited_until:
        time.sleep(0.05)
        found = lookup()
    return found


def act_on_dispute(
    uow: SqlUnitOfWork, dispute_id: UUID, command: Callable[[Dispute], object]
) -> Dispute:
    """Lock the dispute, run one domain command on it, stage the changes and events."""
    dispute = uow.disputes.lock(dispute_id)
    if dispute is None:
        raise NotVisible(f"no dispute {dispute_id}")
    loaded = dispute.version
    command(dispute)
    uow.disputes.save(dispute, loaded)
    uow.publish(dispute)
    return dispute


def add_evidence(
    ctx: Context,
    uow: SqlUnitOfWork,
    dispute_id: UUID,
    caller: Caller,
    kind: EvidenceKind,
    content: str,
) -> Evidence:
    added: list[Evidence] = []
    now = ctx.clock.now()
    act_on_dispute(
        uow, dispute_id, lambda d: added.append(d.add_evidence(uuid4(), caller, kind, content, now))
    )
    return added[0]


def assign_dispute(ctx: Context, uow: SqlUnitOfWork, dispute_id: UUID, admin: UUID) -> Dispute:
    return act_on_dispute(uow, dispute_id, lambda d: d.assign(admin, ctx.clock.now()))


def resolve_dispute(
    ctx: Context,
    uow: SqlUnitOfWork,
    dispute_id: UUID,
    admin: UUID,
    resolution: DisputeResolution,
    provider_hours: Decimal | None,
    note: str,
) -> Dispute:
    dispute = act_on_dispute(
        uow,
        dispute_id,
        lambda d: d.resolve(admin, resolution, provider_hours, note, ctx.clock.now()),
    )
    observe_decision_after_commit(uow, dispute, "resolved")
    return dispute


def dismiss_dispute(
    ctx: Context, uow: SqlUnitOfWork, dispute_id: UUID, admin: UUID, note: str
) -> Dispute:
    dispute = act_on_dispute(uow, dispute_id, lambda d: d.dismiss(admin, note, ctx.clock.now()))
    observe_decision_after_commit(uow, dispute, "dismissed")
    return dispute


# reactions to the requests service (own unit of work) -------------------------------------


def react(
    ctx: Context,
    envelope: Envelope,
    event: RequestEvent,
    dispute_id: UUID | None = None,
    reaction: Callable[[Dispute], bool] | None = None,
) -> bool:
    """The projection follows every request event (its first one decides the request's
    PENDING disputes); `reaction` runs on the locked dispute. False if handled before, or if
    the dispute is unknown or ignored the event."""
    with ctx.uow() as uow:
        if not uow.inbox.claim(CONSUMER, envelope.id, envelope.type):
            return False
        if uow.requests.apply(projected(event)):
            _decide_pending(ctx, uow, envelope, event.request_id)
        changed = False
        if dispute_id is not None and reaction is not None:
            dispute = uow.disputes.lock(dispute_id)
            if dispute is None or dispute.request_id != event.request_id:
                log.warning("%s for unknown dispute %s", envelope.type, dispute_id)
            else:
                loaded = dispute.version
                changed = reaction(dispute)
                uow.disputes.save(dispute, loaded)
                uow.publish(dispute, caused_by=envelope)
                if not changed:
                    log.info("%s ignored: dispute %s is %s", envelope.type, dispute.id,
                             dispute.status)  # fmt: skip
        uow.commit()
    return changed


def _decide_pending(ctx: Context, uow: SqlUnitOfWork, envelope: Envelope, request_id: UUID) -> None:
    """Decide the disputes accepted PENDING on a request the projection has just learned of,
    on its copy and in the order they were opened (one open dispute per request)."""
    uow.requests.lock(request_id)  # a dispute being opened on it now commits first, or sees it
    pending = uow.disputes.lock_pending(request_id)
    if not pending:  # the usual case: nothing more to read
        return
    request = uow.requests.get(request_id)
    assert request is not None  # applied in this transaction
    for dispute in pending:
        loaded = dispute.version
        evidence = uow.disputes.evidence(dispute.id)
        dispute.learn(request, uow.disputes.open_for(request_id), evidence, ctx.clock.now())
        uow.disputes.save(dispute, loaded)
        uow.publish(dispute, caused_by=envelope)
        log.info("pending dispute %s on request %s is %s", dispute.id, request_id,
                 dispute.status)  # fmt: skip


def when_request_changed(ctx: Context, envelope: Envelope, event: RequestEvent) -> None:
    react(ctx, envelope, event)


def when_request_disputed(ctx: Context, envelope: Envelope, event: RequestDisputed) -> None:
    react(ctx, envelope, event, event.dispute_id, lambda d: d.confirmed(ctx.clock.now()))


def when_dispute_refused(ctx: Context, envelope: Envelope, event: RequestDisputeRefused) -> None:
    react(
        ctx, envelope, event, event.dispute_id, lambda d: d.refused(event.reason, ctx.clock.now())
    )
