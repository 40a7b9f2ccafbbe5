"""The disputes consumer: the projection of requests, the requests service's answer to each
dispute opened, and the providers of offerings (for moderation)."""

from collections.abc import Callable, Sequence
from typing import Any

from hourbank_disputes import handlers as h
from hourbank_disputes.report_handlers import when_offering_seen
from hourbank_shared.consumer import ConsumerRunner, Handler
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.catalog import events_on
from hourbank_shared.contracts.offerings import OfferingEvent
from hourbank_shared.envelope import Envelope

TOPICS = (topics.REQUESTS, topics.MEMBERS)

PROJECTED: tuple[type[req.RequestEvent], ...] = (
    req.RequestSubmitted,  # the parties, final from here on
    req.RequestAccepted,  # what escrow holds after an accepted counter-offer
    req.RequestCompleted,  # the actual hours held, and a status never disputable again
    req.RequestRejected,
    req.RequestDeclined,
    req.RequestExpired,
    req.RequestCancelled,
    req.RequestPaid,
    req.RequestResumed,
    req.RequestRefunded,
    req.RequestSettled,
)
"""The events that change what disputes decides on: the parties, the amount held, and a status
after which nothing can be disputed (`projection.NEVER_DISPUTABLE_AGAIN`)."""

SKIPPED: tuple[type[req.RequestEvent], ...] = (
    req.RequestAwaitingResponse,
    req.RequestCounterOffered,
    req.RequestOfferAccepted,
    req.RequestOfferAcceptanceFailed,
    req.RequestStartReported,
    req.RequestStarted,
    req.RequestCompletionReported,
    req.RequestRated,
)
"""Change nothing disputes decides on, so the consumer skips them unparsed, without a
transaction: the projected status of an open request may then lag behind, which it may anyway
(docs/consistency.md). A new request event must be put in one list or the other (a test)."""

REACTIONS: dict[str, Callable[[h.Context, Envelope, Any], None]] = {
    **{event.TYPE: h.when_request_changed for event in PROJECTED},
    req.RequestDisputed.TYPE: h.when_request_disputed,
    req.RequestDisputeRefused.TYPE: h.when_dispute_refused,
    **{
        event.TYPE: when_offering_seen
        for event in events_on(topics.MEMBERS)
        if issubclass(event, OfferingEvent)
    },
}


def routes(ctx: h.Context) -> dict[str, Handler]:
    def bind(reaction: Callable[[h.Context, Envelope, Any], None]) -> Handler:
        return lambda envelope, event: reaction(ctx, envelope, event)

    return {event_type: bind(reaction) for event_type, reaction in REACTIONS.items()}


def disputes_consumer(
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
