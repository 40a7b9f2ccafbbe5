"""How a request reacts to its deadline and to the escrow and disputes services' events, and
how an offering or a member is dealt with when an admin resolved a report on it (moderation).

None of these raise: an event that does not fit the current status (a duplicate, or a late
arrival) is ignored and the function returns False.
"""

from decimal import Decimal
from uuid import UUID

from hourbank_requests.domain.errors import Forbidden
from hourbank_requests.domain.lifecycle import DISPUTABLE, Actor, DeadlineKind
from hourbank_requests.domain.members import REASON_MAX, Member
from hourbank_requests.domain.offerings import Offering
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_shared.clock import BusinessTime
from hourbank_shared.contracts import requests as ev
from hourbank_shared.contracts.enums import DisputeResolution, HoldFailureReason
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.contracts.reports import ReportResolved


def deadline_passed(request: ServiceRequest, time: BusinessTime) -> bool:
    """Fire the running deadline if it is due; False if there is none due (already fired,
    or a user action came first)."""
    if request.deadline_at is None or request.deadline_at > time.clock.now():
        return False
    expiring = (DeadlineKind.ESCROW_ANSWER, DeadlineKind.RESPONSE, DeadlineKind.NEGOTIATION)
    if request.deadline_kind in expiring:
        previous = request.status
        request.move(
            S.EXPIRED, f"{request.deadline_kind}_DEADLINE_PASSED", Actor.SYSTEM, None, time
        )
        request.record(ev.RequestExpired, previous_status=previous, amount=request.amount)
    elif request.deadline_kind is DeadlineKind.START_CONFIRMATION:
        request.confirm_start(None, time)
    else:
        request.confirm_completion(None, time)
    return True


def escrow_held(request: ServiceRequest, time: BusinessTime, event_id: UUID) -> bool:
    if request.status is not S.INITIATED:
        return False
    request.move(S.AWAITING_RESPONSE, "ESCROWED", Actor.ESCROW, None, time, event_id)
    request.record(ev.RequestAwaitingResponse, amount=request.amount, deadline=request.deadline_at)
    return True


def escrow_hold_failed(
    request: ServiceRequest,
    reason: HoldFailureReason,
    detail: str,
    time: BusinessTime,
    event_id: UUID,
) -> bool:
    if request.status is not S.INITIATED:
        return False
    request.reason = f"{reason}: {detail}"
    request.move(S.REJECTED, "HOLD_FAILED", Actor.ESCROW, None, time, event_id, request.reason)
    request.record(ev.RequestRejected, reason=reason, detail=detail)
    return True


def escrow_adjusted(request: ServiceRequest, time: BusinessTime, event_id: UUID) -> bool:
    if request.status is not S.NEGOTIATING or not request.offer_accepted or request.offer is None:
        return False
    request.hours, request.rate, request.amount = (
        request.offer.hours,
        request.offer.rate,
        request.offer.amount,
    )
    request.offer, request.offer_accepted = None, False
    request.move(S.ACCEPTED, "OFFER_ESCROWED", Actor.ESCROW, None, time, event_id)
    request.record(
        ev.RequestAccepted, hours=request.hours, rate=request.rate, amount=request.amount
    )
    return True


def escrow_adjust_failed(
    request: ServiceRequest,
    reason: HoldFailureReason,
    detail: str,
    time: BusinessTime,
    event_id: UUID,
) -> bool:
    if request.status is not S.NEGOTIATING or not request.offer_accepted:
        return False
    request.offer_accepted, request.reason = False, f"{reason}: {detail}"
    request.move(
        S.NEGOTIATING, "OFFER_TOP_UP_FAILED", Actor.ESCROW, None, time, event_id, request.reason
    )
    request.record(ev.RequestOfferAcceptanceFailed, reason=reason, detail=detail)
    return True


def escrow_released(
    request: ServiceRequest,
    provider_amount: Decimal,
    refund: Decimal,
    time: BusinessTime,
    event_id: UUID,
) -> bool:
    if request.status is not S.COMPLETED:
        return False
    request.move(S.PAID, "PAID", Actor.ESCROW, None, time, event_id)
    request.record(ev.RequestPaid, provider_amount=provider_amount, requester_refund=refund)
    return True


def dispute_opened(
    request: ServiceRequest, dispute_id: UUID, raised_by: UUID, time: BusinessTime, event_id: UUID
) -> bool:
    """DISPUTED if it may be disputed now; otherwise a refusal event (no status change).
    The opening of the request's current or a past (dismissed, settled) dispute is a
    duplicate: ignored."""
    if request.dispute_id == dispute_id:
        return False
    refusal = None
    if raised_by not in (request.requester_id, request.provider_id):
        refusal = "only a party of the request may dispute it"
    elif request.status is S.DISPUTED:
        refusal = f"the request is already disputed (dispute {request.dispute_id})"
    elif request.status not in DISPUTABLE:
        refusal = f"a request that is {request.status} cannot be disputed"
    if refusal is not None:
        request.record(ev.RequestDisputeRefused, dispute_id=dispute_id, reason=refusal)
        return True
    request.previous_status, request.dispute_id = request.status, dispute_id
    actor = Actor.REQUESTER if raised_by == request.requester_id else Actor.PROVIDER
    request.move(S.DISPUTED, "DISPUTED", actor, raised_by, time, event_id)
    request.record(
        ev.RequestDisputed, dispute_id=dispute_id, previous_status=request.previous_status
    )
    return True


def dispute_dismissed(
    request: ServiceRequest, dispute_id: UUID, time: BusinessTime, event_id: UUID
) -> bool:
    if request.status is not S.DISPUTED or request.dispute_id != dispute_id:
        return False
    assert request.previous_status is not None
    request.move(request.previous_status, "DISPUTE_DISMISSED", Actor.DISPUTES, None, time, event_id)
    request.previous_status = None
    request.record(ev.RequestResumed, dispute_id=dispute_id, deadline=request.deadline_at)
    return True


def escrow_settled(
    request: ServiceRequest,
    dispute_id: UUID,
    resolution: DisputeResolution,
    provider_amount: Decimal,
    refund: Decimal,
    time: BusinessTime,
    event_id: UUID,
) -> bool:
    if request.status is not S.DISPUTED or request.dispute_id != dispute_id:
        return False
    to = {
        DisputeResolution.PAY_PROVIDER: S.PAID,
        DisputeResolution.REFUND_REQUESTER: S.REFUNDED,
        DisputeResolution.SPLIT: S.SETTLED,
    }[resolution]
    request.move(to, f"DISPUTE_{resolution}", Actor.DISPUTES, None, time, event_id)
    if to is S.PAID:
        request.record(ev.RequestPaid, dispute_id=dispute_id, provider_amount=provider_amount,
                     requester_refund=refund)  # fmt: skip
    elif to is S.REFUNDED:
        request.record(ev.RequestRefunded, dispute_id=dispute_id, requester_refund=refund)
    else:
        request.record(ev.RequestSettled, dispute_id=dispute_id, provider_amount=provider_amount,
                     requester_refund=refund)  # fmt: skip
    return True


# moderation: the disputes service decided on a report, this service owns its subject ----------


def moderation_reason(event: ReportResolved) -> str:
    """Why, as the member reads it in their notification (at most a suspension's length)."""
    reason = f"After a report ({event.reason}): {event.note}"
    return reason if len(reason) <= REASON_MAX else reason[: REASON_MAX - 1] + "…"


def withdraw_reported_offering(offering: Offering, event: ReportResolved) -> bool:
    """Withdrawn by the deciding admin; an offering already withdrawn stays as it is."""
    if not offering.active:
        return False
    offering.withdraw(event.admin_id, by_admin=True, reason=moderation_reason(event))
    return True


def suspend_reported_member(member: Member, event: ReportResolved) -> bool:
    """Suspended by the deciding admin; a member already suspended stays as they are, and an
    admin is never the one suspended by their own decision (disputes refuses that first)."""
    if not member.is_active:
        return False
    try:
        member.suspend(moderation_reason(event), by_admin_id=event.admin_id)
    except Forbidden:
        return False
    return True
