"""The escrow consumer: which events it reacts to, on which topics."""

from collections.abc import Callable, Sequence
from typing import Any

from hourbank_escrow import handlers as h
from hourbank_shared.consumer import ConsumerRunner, Handler
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.disputes import DisputeDismissed, DisputeResolved
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

TOPICS = (topics.MEMBERS, topics.REQUESTS, topics.DISPUTES)

REACTIONS: dict[str, Callable[[h.Context, Envelope, Any], None]] = {
    # v1 and v2 of one registration arrive together; opening the account is idempotent
    MemberRegistered.TYPE: h.when_member_registered,
    MemberRegisteredV2.TYPE: h.when_member_registered,
    MemberSuspended.TYPE: h.when_member_suspended,
    MemberReactivated.TYPE: h.when_member_reactivated,
    RequestSubmitted.TYPE: h.when_request_submitted,
    RequestOfferAccepted.TYPE: h.when_offer_accepted,
    RequestDeclined.TYPE: h.when_request_ended,
    RequestExpired.TYPE: h.when_request_ended,
    RequestCancelled.TYPE: h.when_request_ended,
    RequestCompleted.TYPE: h.when_request_completed,
    RequestDisputed.TYPE: h.when_request_disputed,
    DisputeDismissed.TYPE: h.when_dispute_dismissed,
    DisputeResolved.TYPE: h.when_dispute_resolved,
}


def routes(ctx: h.Context) -> dict[str, Handler]:
    def bind(reaction: Callable[[h.Context, Envelope, Any], None]) -> Handler:
        return lambda envelope, event: reaction(ctx, envelope, event)

    return {event_type: bind(reaction) for event_type, reaction in REACTIONS.items()}


def escrow_consumer(
    ctx: h.Context,
    bootstrap: str,
    *,
    group: str = h.CONSUMER,
    topics: Sequence[str] = TOPICS,
    instance_id: str | None = None,
    from_end: bool = False,
) -> ConsumerRunner:
    return ConsumerRunner(
        name=group,
        bootstrap=bootstrap,
        topics=topics,
        routes=routes(ctx),
        instance_id=instance_id,
        from_end=from_end,
    )
