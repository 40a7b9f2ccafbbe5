"""Submitting a request: the checks of SPEC §4, then a new INITIATED request."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_requests.domain.lifecycle import (
    ESCROW_ANSWER_SECONDS,
    Actor,
    DeadlineKind,
    HistoryEntry,
)
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_shared.clock import BusinessTime
from hourbank_shared.contracts import requests as ev
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.money import MAX_HOURS, amount_of


@dataclass(frozen=True)
class OfferingTerms:
    id: UUID
    provider_id: UUID
    title: str
    rate: Decimal
    response_window_hours: int
    status: OfferingStatus


@dataclass(frozen=True)
class Submission:
    request_id: UUID
    requester_id: UUID
    hours: Decimal
    message: str


def submit(
    submission: Submission,
    offering: OfferingTerms,
    *,
    requester_active: bool,
    provider_active: bool,
    open_request: UUID | None,
    time: BusinessTime,
    escrow_answer_within: timedelta = timedelta(seconds=ESCROW_ANSWER_SECONDS),
) -> ServiceRequest:
    """`open_request`: the requester's other open request for this offering, if any.
    Unless escrow answers within `escrow_answer_within`, the request expires."""
    if not requester_active:
        raise Forbidden("your membership is suspended: you cannot submit requests")
    if offering.provider_id == submission.requester_id:
        raise InvalidInput("you cannot request your own offering")
    if offering.status is not OfferingStatus.APPROVED:
        raise NotAllowedNow(
            f"the offering {offering.id} is {offering.status}: only APPROVED offerings can be "
            "requested",
            offering_status=offering.status,
        )
    if not provider_active:
        raise NotAllowedNow("the offering's provider is suspended")
    if open_request is not None:
        raise NotAllowedNow(
            f"you already have an open request for this offering: {open_request}",
            open_request_id=str(open_request),
        )
    if submission.hours > MAX_HOURS:
        raise InvalidInput(f"a request is for at most {MAX_HOURS} hours, not {submission.hours}")
    amount = amount_of(submission.hours, offering.rate)
    if amount <= 0:
        raise InvalidInput(f"{submission.hours} h at {offering.rate} is less than 0.01 hours")
    request = ServiceRequest(
        id=submission.request_id,
        requester_id=submission.requester_id,
        provider_id=offering.provider_id,
        offering_id=offering.id,
        offering_title=offering.title,
        message=submission.message,
        response_window_hours=offering.response_window_hours,
        hours=submission.hours,
        rate=offering.rate,
        amount=amount,
    )
    now = time.clock.now()
    request.deadline_kind = DeadlineKind.ESCROW_ANSWER
    request.deadline_at = now + escrow_answer_within
    request.history.append(
        HistoryEntry(None, S.INITIATED, "SUBMITTED", Actor.REQUESTER, submission.requester_id, now)
    )
    request.record(
        ev.RequestSubmitted,
        offering_title=offering.title,
        hours=submission.hours,
        rate=offering.rate,
        amount=amount,
        message=submission.message,
        submitted_at=now,
    )
    return request
