"""Every log line written inside a span names its trace and span, and the correlation id."""

import json
import logging
import uuid

from hourbank_shared import tracing
from hourbank_shared.logs import JsonFormatter
from hourbank_shared.testing.spans import recorded_spans


def _line(message: str) -> dict[str, object]:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, message, None, None)
    parsed: dict[str, object] = json.loads(JsonFormatter("escrow-consume").format(record))
    return parsed


def test_a_log_line_inside_a_span_carries_its_ids() -> None:
    spans = recorded_spans()
    correlation_id = uuid.uuid4()
    with (
        tracing.tracer().start_as_current_span("work") as span,
        tracing.correlation(correlation_id),
    ):
        line = _line("inside")
    ids = span.get_span_context()
    assert line["trace_id"] == f"{ids.trace_id:032x}"
    assert line["span_id"] == f"{ids.span_id:016x}"
    assert line["correlation_id"] == str(correlation_id)
    assert [s.name for s in spans.get_finished_spans()] == ["work"]


def test_outside_a_span_a_log_line_has_no_trace() -> None:
    line = _line("outside")
    assert {"trace_id", "span_id", "correlation_id"}.isdisjoint(line)
    assert line["message"] == "outside"
