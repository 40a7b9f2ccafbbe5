"""The disputes consumer: the projection of requests, and the requests service's answer to
each dispute opened."""

from collections.abc import Callable, Sequence
from typing import Any

from hourbank_disputes import handlers as h
from hourbank_shared.consumer import ConsumerRunner, Handler
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts import topics
from hourbank_shared.envelope import Envelope

TOPICS = (topics.REQUESTS,)

PROJECTED: tuple[type[req.RequestEvent], ...] = (
    req.RequestSubmitted,
    req.RequestAwaitingResponse,
    req.RequestRejected,
    req.RequestDeclined,
    req.RequestCounterOffered,
    req.RequestOfferAccepted,
    req.RequestOfferAcceptanceFailed,
    req.RequestAccepted,
    req.RequestExpired,
    req.RequestCancelled,
    req.RequestStartReported,
    req.RequestStarted,
    req.RequestCompletionReported,
    req.RequestCompleted,
    req.RequestPaid,
    req.RequestResumed,
    req.RequestRefunded,
    req.RequestSettled,
    req.RequestRated,
)

REACTIONS: dict[str, Callable[[h.Context, Envelope, Any], None]] = {
    **{event.TYPE: h.when_request_changed for event in PROJECTED},
    req.RequestDisputed.TYPE: h.when_request_disputed,
    req.RequestDisputeRefused.TYPE: h.when_dispute_refused,
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
