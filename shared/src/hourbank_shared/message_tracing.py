"""The spans of the messaging side: a CONSUMER span per event a consumer handles (child of
the span that produced the event) and a PRODUCER span per relay batch (linked to them all).
Attributes follow OpenTelemetry's messaging conventions, plus `hourbank.*` ones."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from hourbank_shared import tracing

OUTCOME = "hourbank.consumer.outcome"
MAX_LINKS = 128
"""OpenTelemetry's default cap on links per span; a bigger batch links its first ones."""


@dataclass(frozen=True)
class Delivery:
    """Where a consumed record came from, and who read it."""

    topic: str
    partition: int
    offset: int
    group: str


@contextmanager
def consuming(
    event_type: str, event_id: str, traceparent: str | None, delivery: Delivery
) -> Iterator[Span]:
    """The span of one event's handling, current inside the block (the handler's events take
    it as their parent); the caller records the outcome with `record_outcome`."""
    with tracing.tracer().start_as_current_span(
        event_type,
        context=tracing.context_of(traceparent),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": delivery.topic,
            "messaging.destination.partition.id": str(delivery.partition),
            "messaging.kafka.offset": delivery.offset,
            "messaging.consumer.group.name": delivery.group,
            "messaging.message.id": event_id,
            "cloudevents.event_type": event_type,
        },
    ) as span:
        yield span


def record_outcome(span: Span, outcome: str, failure: str | None = None) -> None:
    """What came of the handling (`handled`, `dead_lettered`, …); a failure marks it an error."""
    span.set_attribute(OUTCOME, outcome)
    if failure is not None:
        span.set_status(Status(StatusCode.ERROR, failure))


@contextmanager
def publishing_batch(relay: str, traceparents: Sequence[str | None]) -> Iterator[Span]:
    """A relay batch's span: a root of its own, linked to the span that produced each event
    (a batch carries many traces; it belongs to none of them)."""
    with tracing.tracer().start_as_current_span(
        f"publish {relay}",
        context=tracing.context_of(None),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.batch.message_count": len(traceparents),
            "hourbank.relay": relay,
        },
    ) as span:
        if span.is_recording():  # parsing hundreds of links costs; a span off needs none
            for traceparent in traceparents[:MAX_LINKS]:
                if (linked := tracing.span_context_of(traceparent)) is not None:
                    span.add_link(linked)
        yield span
