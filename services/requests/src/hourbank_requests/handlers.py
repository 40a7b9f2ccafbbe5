"""Commands, reactions and deadlines of the request lifecycle.

Commands run inside the caller's unit of work (the API adds its idempotency record and
commits once). Reactions to other services' events and fired deadlines own their unit of
work: inbox claim (reactions), domain call, outbox, one commit. A request row is always
locked before it changes, so a user action and a deadline racing on one request serialize
and exactly one of them wins.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_requests.adapters.database_clock import DatabaseClock
from hourbank_requests.domain import reactions
from hourbank_requests.domain.errors import Forbidden, NotAllowedNow, NotVisible
from hourbank_requests.domain.lifecycle import ESCROW_ANSWER_SECONDS, Actor, HistoryEntry
from hourbank_requests.domain.service_request import Caller, ServiceRequest
from hourbank_requests.domain.submission import OfferingTerms, Submission, submit
from hourbank_requests.saga_metrics import observe_after_commit
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import BusinessTime, Clock
from hourbank_shared.contracts.enums import ReportAction, ReportSubject
from hourbank_shared.contracts.reports import ReportResolved
from hourbank_shared.envelope import Envelope

CONSUMER = "requests"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    uow: Callable[[], SqlUnitOfWork]
    time: BusinessTime
    escrow_answer_within: timedelta = timedelta(seconds=ESCROW_ANSWER_SECONDS)
    deadline_clock: Clock | None = None
    """What says a deadline is due; None: the database's (see `deadline_time`). Tests that
    move time give their fake clock."""


# commands (inside the caller's unit of work) ----------------------------------------------


def submit_request(
    ctx: Context,
    uow: SqlUnitOfWork,
    requester_id: UUID,
    offering_id: UUID,
    hours: Decimal,
    message: str,
) -> ServiceRequest:
    requester = uow.members.get(requester_id)
    if requester is None:
        raise Forbidden("register as a member first (POST /v1/members)")
    offering = uow.offerings.lock(offering_id)
    if offering is None:
        raise NotVisible(f"no offering {offering_id}")
    provider = uow.members.get(offering.provider_id)
    request = submit(
        Submission(uuid4(), requester_id, hours, message),
        OfferingTerms(
            offering.id,
            offering.provider_id,
            offering.terms.title,
            offering.terms.rate,
            offering.terms.response_window_hours,
            offering.status,
        ),
        requester_active=requester.is_active,
        provider_active=provider is not None and provider.is_active,
        open_request=uow.requests.open_request_for(requester_id, offering_id),
        time=ctx.time,
        escrow_answer_within=ctx.escrow_answer_within,
    )
    uow.requests.add(request)
    uow.publish(request)
    return request


def act_on_request(
    uow: SqlUnitOfWork, request_id: UUID, command: Callable[[ServiceRequest], object]
) -> ServiceRequest:
    """Lock the request, run one domain command on it, stage the changes and events."""
    request = uow.requests.lock(request_id)
    if request is None:
        raise NotVisible(f"no request {request_id}")
    loaded = request.version
    command(request)
    observe_after_commit(uow, request)
    uow.requests.save(request, loaded)
    uow.publish(request)
    return request


def rate_request(
    ctx: Context, uow: SqlUnitOfWork, request_id: UUID, caller: Caller, score: int, comment: str
) -> ServiceRequest:
    rated: list[UUID] = []
    request = act_on_request(
        uow, request_id, lambda r: rated.append(r.rate_other(caller, score, comment, ctx.time))
    )
    if not uow.ratings.add(request_id, caller.member_id, rated[0], score, comment):
        raise NotAllowedNow("you already rated this request")
    ratee = uow.members.lock(rated[0])
    if ratee is not None:
        ratee.add_rating(score)
        uow.members.save(ratee)
    return request


# reactions to escrow and disputes (own unit of work) ---------------------------------------


def react(
    ctx: Context,
    envelope: Envelope,
    request_id: UUID,
    reaction: Callable[[ServiceRequest], bool],
) -> bool:
    """One reaction in one unit of work; False if handled before, unknown, or ignored."""
    with ctx.uow() as uow:
        if not uow.inbox.claim(CONSUMER, envelope.id, envelope.type):
            return False
        request = uow.requests.lock(request_id)
        changed = False
        if request is None:
            log.warning("%s for unknown request %s", envelope.type, request_id)
        else:
            loaded = request.version
            changed = reaction(request)
            observe_after_commit(uow, request)
            uow.requests.save(request, loaded)
            uow.publish(request, caused_by=envelope)
            if not changed:
                log.info("%s ignored: request %s is %s", envelope.type, request_id, request.status)
        uow.commit()
    return changed


def note_refund(request: ServiceRequest, time: BusinessTime, event_id: UUID) -> bool:
    """Escrow refunded the hold of an ended request: a history note, no status change."""
    request.history.append(
        HistoryEntry(request.status, request.status, "ESCROW_REFUNDED", Actor.ESCROW, None,
                     time.clock.now(), event_id)
    )  # fmt: skip
    return True


def when_report_resolved(ctx: Context, envelope: Envelope, event: ReportResolved) -> bool:
    """Carry out a moderation decision of the disputes service on what this service owns: the
    offering reported, or the member behind the report (the offering's provider as this
    service knows it). Published with the report's event as cause. False if there is nothing
    to do (dismissed, handled before, unknown, or already so)."""
    if event.action is ReportAction.DISMISS:
        return False
    with ctx.uow() as uow:
        if not uow.inbox.claim(CONSUMER, envelope.id, envelope.type):
            return False
        offering = None
        if event.subject_type is ReportSubject.OFFERING:
            offering = uow.offerings.lock(event.subject_id)
        changed = False
        if event.action is ReportAction.WITHDRAW_OFFERING and offering is not None:
            changed = reactions.withdraw_reported_offering(offering, event)
            uow.offerings.save(offering)
            uow.publish(offering, caused_by=envelope)
        elif event.action is ReportAction.SUSPEND_MEMBER:
            member_id = offering.provider_id if offering is not None else event.subject_member_id
            member = uow.members.lock(member_id) if member_id is not None else None
            if member is not None:
                changed = reactions.suspend_reported_member(member, event)
                uow.members.save(member)
                uow.publish(member, caused_by=envelope)
        if not changed:
            log.info("report %s: %s of %s %s changed nothing", event.report_id, event.action,
                     event.subject_type, event.subject_id)  # fmt: skip
        uow.commit()
    return changed


# deadlines (own unit of work, one request at a time) ---------------------------------------


def deadline_time(ctx: Context, uow: SqlUnitOfWork) -> BusinessTime:
    """The time a deadline is judged and fired by: the database's, one clock for every
    replica. A worker's own clock may jump (NTP, a resumed VM) and would expire a request
    early, or leave a due one waiting."""
    return BusinessTime(ctx.deadline_clock or DatabaseClock(uow.session), ctx.time.time_scale)


def fire_due_deadlines(ctx: Context, limit: int = 100) -> int:
    """Fire up to `limit` due deadlines; safe with several workers (SKIP LOCKED)."""
    fired = 0
    while fired < limit:
        with ctx.uow() as uow:
            time = deadline_time(ctx, uow)
            request = uow.requests.next_due(time.clock.now())
            if request is None:
                return fired
            loaded = request.version
            reactions.deadline_passed(request, time)
            observe_after_commit(uow, request)
            uow.requests.save(request, loaded)
            uow.publish(request)
            uow.commit()
        fired += 1
    return fired
