"""Who hears of an event, and what they read: event → notes. Pure; no I/O.

Dispute steps come from the disputes topic (the requests service's DISPUTED/RESUMED/REFUNDED/
SETTLED echoes of them would tell the parties twice); escrow events only repeat what the
request events say, so they notify nobody.
"""

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from hourbank_notifications.domain.moderation_notes import MODERATION
from hourbank_notifications.domain.notes import Note, hours
from hourbank_shared.contracts import disputes as dsp
from hourbank_shared.contracts import ledger, members, offerings
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import Party, TransactionType

Mapping = Callable[[Any, Sequence[UUID]], list[Note]]


def _to(*members_: UUID) -> list[UUID]:
    return list(dict.fromkeys(members_))


def _request_notes(
    event: req.RequestEvent, to: Sequence[UUID], type_: str, title: str, message: str
) -> list[Note]:
    return [Note(m, type_, title, message, event.request_id) for m in _to(*to)]


def _other(event: req.RequestEvent, member: UUID) -> UUID:
    return event.provider_id if member == event.requester_id else event.requester_id


def _party(event: req.RequestEvent, party: Party) -> UUID:
    return event.requester_id if party is Party.REQUESTER else event.provider_id


def awaiting_response(e: req.RequestAwaitingResponse, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.provider_id], "REQUEST_RECEIVED", "New request",
                          f"A member asks for {hours(e.amount)}; answer before "
                          f"{e.deadline:%Y-%m-%d %H:%M} UTC.")  # fmt: skip


def rejected(e: req.RequestRejected, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id], "REQUEST_REJECTED", "Request not sent",
                          f"Your hours could not be held: {e.detail}")  # fmt: skip


def accepted(e: req.RequestAccepted, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id], "REQUEST_ACCEPTED", "Request accepted",
                          f"Your request was accepted for {hours(e.amount)}.")  # fmt: skip


def declined(e: req.RequestDeclined, _: Sequence[UUID]) -> list[Note]:
    # the party who declined knows; the other one is told (the requester, when the provider
    # declines a new request)
    return _request_notes(e, [_other(e, e.declined_by)], "REQUEST_DECLINED", "Request declined",
                          "The request was declined; held hours are returned.")  # fmt: skip


def counter_offered(e: req.RequestCounterOffered, _: Sequence[UUID]) -> list[Note]:
    answering = _other(e, _party(e, e.offered_by))
    return _request_notes(e, [answering], "REQUEST_COUNTER_OFFERED", "New offer",
                          f"Offer {e.round}: {e.hours} hours at {e.rate} for {hours(e.amount)}; "
                          f"answer before {e.deadline:%Y-%m-%d %H:%M} UTC.")  # fmt: skip


def offer_acceptance_failed(e: req.RequestOfferAcceptanceFailed, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id], "REQUEST_OFFER_NOT_ACCEPTED",
                          "Offer could not be accepted", e.detail)  # fmt: skip


def expired(e: req.RequestExpired, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id], "REQUEST_EXPIRED", "Request expired",
                          f"Nobody answered in time; {hours(e.amount)} are returned.")  # fmt: skip


def cancelled(e: req.RequestCancelled, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id, e.provider_id], "REQUEST_CANCELLED",
                          "Request cancelled",
                          f"The {e.by_party.lower()} cancelled the request.")  # fmt: skip


def start_reported(e: req.RequestStartReported, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id], "REQUEST_START_REPORTED", "Please confirm start",
                          f"The provider reported the start; it is confirmed automatically "
                          f"at {e.deadline:%Y-%m-%d %H:%M} UTC.")  # fmt: skip


def started(e: req.RequestStarted, _: Sequence[UUID]) -> list[Note]:
    auto = e.auto_confirmed
    return _request_notes(e, [e.requester_id, e.provider_id],
                          "REQUEST_START_AUTO_CONFIRMED" if auto else "REQUEST_STARTED",
                          "Service started",
                          "The start was confirmed automatically." if auto
                          else "The service is in progress.")  # fmt: skip


def completion_reported(e: req.RequestCompletionReported, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id], "REQUEST_COMPLETION_REPORTED",
                          "Please confirm completion",
                          f"The provider reported {e.actual_hours} hours; it is confirmed "
                          f"automatically at {e.deadline:%Y-%m-%d %H:%M} UTC.")  # fmt: skip


def completed(e: req.RequestCompleted, _: Sequence[UUID]) -> list[Note]:
    auto = e.auto_confirmed
    return _request_notes(e, [e.requester_id, e.provider_id],
                          "REQUEST_COMPLETION_AUTO_CONFIRMED" if auto else "REQUEST_COMPLETED",
                          "Service completed",
                          f"{e.actual_hours} hours, {hours(e.actual_amount)} to pay"
                          + (" (confirmed automatically)." if auto else "."))  # fmt: skip


def paid(e: req.RequestPaid, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.requester_id, e.provider_id], "REQUEST_PAID", "Payment done",
                          f"{hours(e.provider_amount)} paid to the provider, "
                          f"{hours(e.requester_refund)} refunded.")  # fmt: skip


def rated(e: req.RequestRated, _: Sequence[UUID]) -> list[Note]:
    return _request_notes(e, [e.ratee_id], "REQUEST_RATED", "New rating",
                          f"You were rated {e.score}/5. {e.comment}".strip())  # fmt: skip


def _dispute_notes(
    e: dsp.DisputeEvent, to: Sequence[UUID], type_: str, title: str, message: str
) -> list[Note]:
    return [Note(m, type_, title, message, e.dispute_id) for m in _to(*to)]


def dispute_opened(e: dsp.DisputeOpened, admins: Sequence[UUID]) -> list[Note]:
    parties = _dispute_notes(e, [e.requester_id, e.provider_id], "DISPUTE_OPENED",
                             "Dispute opened", f"A {e.dispute_type} dispute was opened: "
                             f"{e.description}")  # fmt: skip
    queue = _dispute_notes(e, admins, "DISPUTE_NEW", "New dispute to review",
                           f"{e.dispute_type}: {e.description}")  # fmt: skip
    return parties + queue


def evidence_added(e: dsp.DisputeEvidenceAdded, _: Sequence[UUID]) -> list[Note]:
    other = e.provider_id if e.added_by == e.requester_id else e.requester_id
    return _dispute_notes(e, [other], "DISPUTE_EVIDENCE_ADDED", "New evidence",
                          f"The other party added a {e.kind}.")  # fmt: skip


def dispute_assigned(e: dsp.DisputeAssigned, _: Sequence[UUID]) -> list[Note]:
    return _dispute_notes(e, [e.requester_id, e.provider_id], "DISPUTE_UNDER_REVIEW",
                          "Dispute under review", "An admin is reviewing the dispute.")  # fmt: skip


def dispute_resolved(e: dsp.DisputeResolved, _: Sequence[UUID]) -> list[Note]:
    return _dispute_notes(e, [e.requester_id, e.provider_id], "DISPUTE_RESOLVED",
                          "Dispute resolved",
                          f"{e.resolution}: {hours(e.provider_amount)} to the provider, "
                          f"{hours(e.requester_refund)} to the requester. {e.note}")  # fmt: skip


def dispute_dismissed(e: dsp.DisputeDismissed, _: Sequence[UUID]) -> list[Note]:
    return _dispute_notes(e, [e.requester_id, e.provider_id], "DISPUTE_DISMISSED",
                          "Dispute dismissed",
                          f"The request resumes where it was. {e.note}")  # fmt: skip


def dispute_refused(e: dsp.DisputeRefused, _: Sequence[UUID]) -> list[Note]:
    return _dispute_notes(e, [e.requester_id, e.provider_id], "DISPUTE_REFUSED",
                          "Dispute refused", e.reason)  # fmt: skip


LEDGER_TYPES = {
    TransactionType.WELCOME_BONUS: ("WELCOME_BONUS", "Welcome to HourBank"),
    TransactionType.ADMIN_ADJUSTMENT: ("BALANCE_ADJUSTED", "Balance adjusted"),
}


def balance_changed(e: ledger.BalanceChanged, _: Sequence[UUID]) -> list[Note]:
    if e.transaction_type not in LEDGER_TYPES:
        return []
    type_, title = LEDGER_TYPES[e.transaction_type]
    sign = "+" if e.delta_total >= 0 else ""
    message = f"{sign}{hours(e.delta_total)}; balance now {hours(e.total_after)}."
    if e.reason:
        message += f" {e.reason}"
    return [Note(e.member_id, type_, title, message, e.transaction_id)]


def suspended(e: members.MemberSuspended, _: Sequence[UUID]) -> list[Note]:
    return [Note(e.member_id, "MEMBER_SUSPENDED", "Account suspended", e.reason)]


def reactivated(e: members.MemberReactivated, _: Sequence[UUID]) -> list[Note]:
    return [Note(e.member_id, "MEMBER_REACTIVATED", "Account reactivated",
                 "You can request services and move hours again.")]  # fmt: skip


def offering_approved(e: offerings.OfferingApproved, _: Sequence[UUID]) -> list[Note]:
    message = f"“{e.title}” is approved: members can see and request it. {e.note or ''}"
    return [Note(e.provider_id, "OFFERING_APPROVED", "Offering approved", message.strip(),
                 e.offering_id)]  # fmt: skip


def offering_rejected(e: offerings.OfferingRejected, _: Sequence[UUID]) -> list[Note]:
    return [Note(e.provider_id, "OFFERING_REJECTED", "Offering not approved",
                 f"“{e.title}” was not approved. Reason: {e.reason} (revise it to submit it "
                 "again).",
                 e.offering_id)]  # fmt: skip


MAPPINGS: dict[type[Event], Mapping] = {
    req.RequestAwaitingResponse: awaiting_response,
    req.RequestRejected: rejected,
    req.RequestAccepted: accepted,
    req.RequestDeclined: declined,
    req.RequestCounterOffered: counter_offered,
    req.RequestOfferAcceptanceFailed: offer_acceptance_failed,
    req.RequestExpired: expired,
    req.RequestCancelled: cancelled,
    req.RequestStartReported: start_reported,
    req.RequestStarted: started,
    req.RequestCompletionReported: completion_reported,
    req.RequestCompleted: completed,
    req.RequestPaid: paid,
    req.RequestRated: rated,
    dsp.DisputeOpened: dispute_opened,
    dsp.DisputeEvidenceAdded: evidence_added,
    dsp.DisputeAssigned: dispute_assigned,
    dsp.DisputeResolved: dispute_resolved,
    dsp.DisputeDismissed: dispute_dismissed,
    dsp.DisputeRefused: dispute_refused,
    ledger.BalanceChanged: balance_changed,
    members.MemberSuspended: suspended,
    members.MemberReactivated: reactivated,
    offerings.OfferingApproved: offering_approved,
    offerings.OfferingRejected: offering_rejected,
    **MODERATION,
}


def recipients(event: Event, admins: Sequence[UUID] = ()) -> list[Note]:
    """The notes an event gives rise to; `admins` are told of new disputes."""
    mapping = MAPPINGS.get(type(event))
    return mapping(event, admins) if mapping is not None else []
