"""One SERVER span per HTTP request, child of the caller's `traceparent`, and the gateway's
`X-Request-ID` as the correlation id of everything the request does."""

import uuid

from fastapi.telemetry import TelemetryConfig
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hourbank_shared import tracing

FASTAPI_TELEMETRY_OFF: TelemetryConfig = {
    "tracing": False,
    "operation_spans": False,
    "metrics": False,
    "logs": False,
}
"""For `FastAPI(telemetry=…)`: FastAPI's own OpenTelemetry instrumentation, on as soon as a
tracer provider is installed, would add a second SERVER span per request (beside
`TraceRequests`'), three more per route, and OpenTelemetry metrics nobody reads."""

UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes: a trace each, every few seconds, would bury the real ones."""


def correlation_of(request_id: str | None) -> uuid.UUID:
    """The gateway's request id (32 hex digits or a UUID) as a UUID, else a new one."""
    try:
        return uuid.UUID(request_id or "")
    except ValueError:
        return uuid.uuid4()


class TraceRequests:
    """ASGI middleware: the request's span (named `METHOD /route/{template}` once routed) and
    correlation id for everything it does, and the span's `traceparent` on the answer.
    (Plain ASGI: starlette's BaseHTTPMiddleware costs a task and a stream per request,
    measurable in the load profile.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # once, not per request (a tracer is a new object each time); until the process sets
        # its provider this is a proxy that follows it
        self._tracer = tracing.tracer()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        with self._tracer.start_as_current_span(
            method,
            context=tracing.context_of(headers.get("traceparent")),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.path": scope["path"],
                "url.scheme": scope.get("scheme", "http"),
                "network.protocol.version": scope.get("http_version", "1.1"),
            },
        ) as span:
            traceparent = tracing.current_traceparent() or ""

            async def send_with_trace(message: Message) -> None:
                if message["type"] == "http.response.start":
                    _answered(span, message["status"])
                    MutableHeaders(scope=message).append("traceparent", traceparent)
                await send(message)

            try:
                with tracing.correlation(correlation_of(headers.get("x-request-id"))):
                    await self.app(scope, receive, send_with_trace)
            finally:
                _routed(span, method, scope)


def _answered(span: Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500:  # a 4xx is the caller's failure, not the server's
        span.set_status(Status(StatusCode.ERROR))


def _routed(span: Span, method: str, scope: Scope) -> None:
    """Name the span after the route's template (known only once routing ran)."""
    template = getattr(scope.get("route"), "path", None)
    if template:
        span.update_name(f"{method} {template}")
        span.set_attribute("http.route", template)
