"""A fired deadline is the root of a trace: the events it writes name its span, one span per
deadline; a poll that finds nothing due leaves no span behind."""

from sqlalchemy import select

from hourbank_requests.adapters import tables as t
from hourbank_requests.bootstrap import Requests
from hourbank_requests.deadlines import fire_traced
from hourbank_shared.clock import FixedClock
from hourbank_shared.testing.spans import recorded_spans

from .test_deadlines import START_WINDOW, awaiting_start_confirmation, clock, service

__all__ = ["clock", "service"]  # the fixtures this module uses


def _written_by(service: Requests, event_type: str) -> set[tuple[int, int]]:
    """(trace id, span id) of each outbox row of the type, from its Kafka headers."""
    query = select(t.outbox.c.headers).where(t.outbox.c.event_type == event_type)
    with service.sessions() as session:
        headers = session.execute(query).scalars().all()
    parts = [header["traceparent"].split("-") for header in headers]
    return {(int(trace_id, 16), int(span_id, 16)) for _, trace_id, span_id, _ in parts}


def test_each_fired_deadline_starts_a_trace_its_events_carry(
    service: Requests, clock: FixedClock
) -> None:
    awaiting_start_confirmation(service, 2)
    spans = recorded_spans()
    assert fire_traced(service.context, limit=10) == 0
    assert spans.get_finished_spans() == ()

    clock.advance(START_WINDOW)
    assert fire_traced(service.context, limit=10) == 2
    fired = spans.get_finished_spans()
    roots = [span for span in fired if span.name == "deadline fired"]
    assert len(roots) == 2
    assert all(span.parent is None for span in roots)
    trees = {(span.context.trace_id, span.context.span_id) for span in roots if span.context}
    assert len({trace_id for trace_id, _ in trees}) == 2
    commits = [span.parent.span_id for span in fired if span.name == "COMMIT" and span.parent]
    assert sorted(commits) == sorted(span_id for _, span_id in trees)
    assert _written_by(service, "hourbank.request.started.v1") == trees
