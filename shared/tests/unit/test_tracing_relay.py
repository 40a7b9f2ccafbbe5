"""A relay batch is a span of its own, linked to the span that produced each event."""

from opentelemetry.trace import SpanKind

from hourbank_shared.message_tracing import MAX_LINKS, publishing_batch
from hourbank_shared.testing.spans import recorded_spans

PRODUCERS = [f"00-{n:032x}-{n:016x}-01" for n in range(1, 4)]


def test_a_batch_links_the_spans_that_produced_its_events() -> None:
    spans = recorded_spans()
    with publishing_batch("escrow", [*PRODUCERS, None, "garbage"]):
        pass
    (batch,) = spans.get_finished_spans()
    assert (batch.name, batch.kind, batch.parent) == ("publish escrow", SpanKind.PRODUCER, None)
    assert batch.attributes is not None
    assert batch.attributes["messaging.batch.message_count"] == 5
    linked = [(link.context.trace_id, link.context.span_id) for link in batch.links]
    assert linked == [(n, n) for n in range(1, 4)]


def test_a_big_batch_links_its_first_events() -> None:
    spans = recorded_spans()
    producers = [f"00-{n:032x}-{n:016x}-01" for n in range(1, 501)]
    with publishing_batch("requests", producers):
        pass
    (batch,) = spans.get_finished_spans()
    assert len(batch.links) == MAX_LINKS
    assert batch.attributes is not None
    assert batch.attributes["messaging.batch.message_count"] == 500
