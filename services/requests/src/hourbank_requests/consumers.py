"""The requests consumer: how the request reacts to escrow and dispute events, and how a
reported offering or member is dealt with once an admin resolved the report."""

from collections.abc import Callable, Sequence
from typing import Any

from hourbank_requests import handlers as h
from hourbank_requests.domain import reactions as r
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_shared.consumer import ConsumerRunner, Handler
from hourbank_shared.contracts import escrow as esc
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.disputes import DisputeDismissed, DisputeOpened
from hourbank_shared.contracts.reports import ReportResolved
from hourbank_shared.envelope import Envelope

TOPICS = (topics.ESCROW, topics.DISPUTES)

Reaction = Callable[[h.Context, Envelope, Any, ServiceRequest], bool]

REACTIONS: dict[str, Reaction] = {
    esc.EscrowHeld.TYPE: lambda c, e, _, req: r.escrow_held(req, c.time, e.id),
    esc.EscrowHoldFailed.TYPE: lambda c, e, ev, req: r.escrow_hold_failed(
        req, ev.reason, ev.detail, c.time, e.id
    ),
    esc.EscrowAdjusted.TYPE: lambda c, e, _, req: r.escrow_adjusted(req, c.time, e.id),
    esc.EscrowAdjustFailed.TYPE: lambda c, e, ev, req: r.escrow_adjust_failed(
        req, ev.reason, ev.detail, c.time, e.id
    ),
    esc.EscrowReleased.TYPE: lambda c, e, ev, req: r.escrow_released(
        req, ev.provider_amount, ev.requester_refund, c.time, e.id
    ),
    esc.EscrowRefunded.TYPE: lambda c, e, _, req: h.note_refund(req, c.time, e.id),
    esc.EscrowSettled.TYPE: lambda c, e, ev, req: r.escrow_settled(
        req, ev.dispute_id, ev.resolution, ev.provider_amount, ev.requester_refund, c.time, e.id
    ),
    DisputeOpened.TYPE: lambda c, e, ev, req: r.dispute_opened(
        req, ev.dispute_id, ev.raised_by, c.time, e.id
    ),
    DisputeDismissed.TYPE: lambda c, e, ev, req: r.dispute_dismissed(
        req, ev.dispute_id, c.time, e.id
    ),
}


def routes(ctx: h.Context) -> dict[str, Handler]:
    def bind(reaction: Reaction) -> Handler:
        def handle(envelope: Envelope, event: Any) -> None:
            h.react(
                ctx, envelope, event.request_id, lambda req: reaction(ctx, envelope, event, req)
            )

        return handle

    def when_report_resolved(envelope: Envelope, event: ReportResolved) -> None:
        h.when_report_resolved(ctx, envelope, event)

    return {event_type: bind(reaction) for event_type, reaction in REACTIONS.items()} | {
        ReportResolved.TYPE: when_report_resolved
    }


def requests_consumer(
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
