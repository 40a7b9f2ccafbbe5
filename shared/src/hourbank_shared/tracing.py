"""The trace and correlation of the work in hand, and how they travel between processes.

A span is current while a process handles one thing: an HTTP request (`http_tracing`), a
consumed event or a relay batch (`message_tracing`), a database commit, a fired deadline. An
event takes the W3C `traceparent` of the span that produced it (`current_traceparent`), and
the span handling it elsewhere is that span's child (`context_of`): each hop of a saga is a
new span of one trace. The correlation id (the gateway's request id, or the first event's id)
rides beside it for logs and events. Nothing here knows about HTTP or where spans are sent
(`tracing_setup.configure_tracing`).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

INSTRUMENTATION = "hourbank"

_propagator = TraceContextTextMapPropagator()
_correlation_id: ContextVar[uuid.UUID | None] = ContextVar("correlation_id", default=None)


def tracer() -> trace.Tracer:
    """HourBank's tracer, from whatever provider the process installed (none: no-op)."""
    return trace.get_tracer(INSTRUMENTATION)


def current_traceparent() -> str | None:
    """The W3C `traceparent` naming the current span; None outside any span."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_of(traceparent: str | None) -> Context:
    """A context whose span is the (remote) one a `traceparent` names: spans started in it
    are that span's children. Missing or malformed: an empty context, so a new trace."""
    if not traceparent:
        return Context()
    return _propagator.extract({"traceparent": traceparent}, context=Context())


def span_context_of(traceparent: str | None) -> trace.SpanContext | None:
    """The span a `traceparent` names (for a link), or None."""
    span_context = trace.get_current_span(context_of(traceparent)).get_span_context()
    return span_context if span_context.is_valid else None


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span in hex, for log lines; None outside a span."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return trace.format_trace_id(span_context.trace_id), trace.format_span_id(span_context.span_id)


@contextmanager
def correlation(correlation_id: uuid.UUID | None) -> Iterator[None]:
    """The correlation id of every log line and uncaused event inside the block."""
    token = _correlation_id.set(correlation_id)
    try:
        yield
    finally:
        _correlation_id.reset(token)


def current_correlation() -> uuid.UUID | None:
    return _correlation_id.get()
