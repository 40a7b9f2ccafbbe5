"""Service request lifecycle events (SPEC §4), published by the requests service.

`status` is always the request's status after the event.
"""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import HoldFailureReason, Party, RequestStatus
from hourbank_shared.contracts.fields import (
    AgreedHours,
    AgreedRate,
    Deadline,
    Detail,
    DisputeId,
    ProviderAmount,
    ProviderId,
    RequestAmount,
    RequesterId,
    RequesterRefund,
    RequestId,
    UtcDateTime,
)
from hourbank_shared.money import Hours, NonNegativeAmount


class RequestEvent(Event):
    TOPIC = topics.REQUESTS
    KEY = "request_id"

    request_id: RequestId
    requester_id: RequesterId
    provider_id: ProviderId
    offering_id: UUID = Field(description="The offering the request is for.")
    status: RequestStatus = Field(description="The request's status after this event.")
    sequence: int | None = Field(
        None,
        ge=1,
        description=(
            "The request's version after this event: it grows with every event of the request,"
            " so a reader applies an event only if its sequence is higher than the one it holds"
            " (a replay or a reordering then changes nothing). Absent on events published"
            " before it was introduced."
        ),
    )


class RequestSubmitted(RequestEvent):
    """A requester asked for a service; escrow holds `amount`."""

    TYPE = "hourbank.request.submitted.v1"

    offering_title: str = Field(description="Title of the offering when the request was made.")
    hours: AgreedHours
    rate: AgreedRate
    amount: RequestAmount
    message: str = Field(description="The requester's message to the provider.")
    submitted_at: UtcDateTime = Field(description="When the request was submitted (UTC).")


class RequestAwaitingResponse(RequestEvent):
    """Escrow held the hours; the provider must answer before `deadline`."""

    TYPE = "hourbank.request.awaiting_response.v1"

    amount: RequestAmount
    deadline: Deadline


class RequestRejected(RequestEvent):
    """The hold failed, so the request ended before reaching the provider."""

    TYPE = "hourbank.request.rejected.v1"

    reason: HoldFailureReason = Field(description="Why escrow could not hold the hours.")
    detail: Detail


class RequestDeclined(RequestEvent):
    """A party declined the request or the offer on the table; escrow refunds."""

    TYPE = "hourbank.request.declined.v1"

    declined_by: UUID = Field(description="The member who declined.")
    by_party: Party = Field(description="Which side declined.")
    round: int = Field(ge=0, le=5, description="Negotiation round when declined (0 = none).")


class RequestCounterOffered(RequestEvent):
    """A party proposed new terms; the other party must answer before `deadline`."""

    TYPE = "hourbank.request.counter_offered.v1"

    round: int = Field(ge=1, le=5, description="Negotiation round of this offer (1 to 5).")
    offered_by: Party = Field(description="Which side made the offer.")
    hours: AgreedHours
    rate: AgreedRate
    amount: RequestAmount
    message: str = Field(description="Message that came with the offer.")
    deadline: Deadline


class RequestOfferAccepted(RequestEvent):
    """A party accepted the offer on the table; escrow adjusts the hold to `amount`."""

    TYPE = "hourbank.request.offer_accepted.v1"

    accepted_by: Party = Field(description="Which side accepted.")
    hours: AgreedHours
    rate: AgreedRate
    amount: RequestAmount
    previous_amount: RequestAmount = Field(description="Hours held before this offer.")


class RequestOfferAcceptanceFailed(RequestEvent):
    """Escrow could not top the hold up; the request stays NEGOTIATING."""

    TYPE = "hourbank.request.offer_acceptance_failed.v1"

    reason: HoldFailureReason = Field(description="Why escrow could not adjust the hold.")
    detail: Detail


class RequestAccepted(RequestEvent):
    """The request was accepted on these terms, with the hours held."""

    TYPE = "hourbank.request.accepted.v1"

    hours: AgreedHours
    rate: AgreedRate
    amount: RequestAmount


class RequestExpired(RequestEvent):
    """Nobody answered before the deadline (or escrow did not answer the submission in time:
    `previous_status` INITIATED); escrow refunds `amount`, or refuses a hold that comes later."""

    TYPE = "hourbank.request.expired.v1"

    previous_status: RequestStatus = Field(description="Status when the deadline passed.")
    amount: RequestAmount


class RequestCancelled(RequestEvent):
    """A party cancelled the request; escrow refunds `amount`."""

    TYPE = "hourbank.request.cancelled.v1"

    cancelled_by: UUID = Field(description="The member who cancelled.")
    by_party: Party = Field(description="Which side cancelled.")
    previous_status: RequestStatus = Field(description="Status when cancelled.")
    amount: RequestAmount


class RequestStartReported(RequestEvent):
    """The provider reported the start; it auto-confirms at `deadline` unless confirmed."""

    TYPE = "hourbank.request.start_reported.v1"

    deadline: Deadline


class RequestStarted(RequestEvent):
    """The service is in progress."""

    TYPE = "hourbank.request.started.v1"

    auto_confirmed: bool = Field(description="True if the confirmation deadline passed.")


class RequestCompletionReported(RequestEvent):
    """The provider reported completion; it auto-confirms at `deadline` unless confirmed."""

    TYPE = "hourbank.request.completion_reported.v1"

    actual_hours: Hours = Field(description="Hours actually worked (at most the agreed hours).")
    actual_amount: NonNegativeAmount = Field(description="actual_hours * rate, to the cent.")
    deadline: Deadline


class RequestCompleted(RequestEvent):
    """Completion confirmed; escrow pays `actual_amount` and refunds `amount - actual_amount`."""

    TYPE = "hourbank.request.completed.v1"

    auto_confirmed: bool = Field(description="True if the confirmation deadline passed.")
    hours: AgreedHours
    rate: AgreedRate
    amount: RequestAmount
    actual_hours: Hours = Field(description="Hours actually worked.")
    actual_amount: NonNegativeAmount = Field(description="Hours to pay the provider.")


class RequestPaid(RequestEvent):
    """The provider was paid (terminal)."""

    TYPE = "hourbank.request.paid.v1"

    dispute_id: UUID | None = Field(
        None, description="The dispute whose resolution paid the provider, if any."
    )
    provider_amount: ProviderAmount
    requester_refund: RequesterRefund


class RequestDisputed(RequestEvent):
    """A dispute is open on the request; deadlines pause and escrow freezes the hold."""

    TYPE = "hourbank.request.disputed.v1"

    dispute_id: DisputeId
    previous_status: RequestStatus = Field(description="Status to return to if dismissed.")


class RequestDisputeRefused(RequestEvent):
    """The request could not be disputed in its current status; it is unchanged."""

    TYPE = "hourbank.request.dispute_refused.v1"

    dispute_id: DisputeId
    reason: str = Field(description="Why the dispute was refused.")


class RequestResumed(RequestEvent):
    """The dispute was dismissed: the request returns to its previous status; escrow unfreezes."""

    TYPE = "hourbank.request.resumed.v1"

    dispute_id: DisputeId
    deadline: UtcDateTime | None = Field(
        None, description="The restarted deadline, if the status has one (UTC)."
    )


class RequestRefunded(RequestEvent):
    """A dispute was resolved for the requester (terminal)."""

    TYPE = "hourbank.request.refunded.v1"

    dispute_id: DisputeId
    requester_refund: RequesterRefund


class RequestSettled(RequestEvent):
    """A dispute was resolved with a split (terminal)."""

    TYPE = "hourbank.request.settled.v1"

    dispute_id: DisputeId
    provider_amount: ProviderAmount
    requester_refund: RequesterRefund


class RequestRated(RequestEvent):
    """A party rated the other after the request ended."""

    TYPE = "hourbank.request.rated.v1"

    rater_id: UUID = Field(description="The member who gave the rating.")
    ratee_id: UUID = Field(description="The member who was rated.")
    score: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")
    comment: str = Field(description="Free-text comment; may be empty.")
