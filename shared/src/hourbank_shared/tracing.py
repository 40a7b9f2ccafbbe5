"""The trace context of the HTTP request in hand, carried into the events it causes.

The API takes W3C `traceparent` from the caller (or starts a trace) and the gateway's
`X-Request-ID` as the correlation id; `Envelope.wrap` uses both for an event no other event
caused, so a command's whole saga shares one trace and one correlation id.
"""

import re
import secrets
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hourbank_shared.logs import correlation

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True)
class Trace:
    traceparent: str
    correlation_id: uuid.UUID


current: ContextVar[Trace | None] = ContextVar("trace", default=None)


def child_traceparent(incoming: str | None) -> str:
    """A span of the caller's trace (a new span id), or the start of a new trace."""
    match = _TRACEPARENT.match((incoming or "").strip().lower())
    trace_id = match.group(1) if match and set(match.group(1)) != {"0"} else secrets.token_hex(16)
    flags = match.group(3) if match else "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def correlation_of(request_id: str | None) -> uuid.UUID:
    """The gateway's request id (32 hex digits or a UUID) as a UUID, else a new one."""
    try:
        return uuid.UUID(request_id or "")
    except ValueError:
        return uuid.uuid4()


class TraceRequests:
    """ASGI middleware: the trace and correlation id for everything a request does, and the
    `traceparent` header on the answer. (Plain ASGI: starlette's BaseHTTPMiddleware costs a
    task and a stream per request, measurable in the load profile.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        trace = Trace(
            child_traceparent(headers.get("traceparent")),
            correlation_of(headers.get("x-request-id")),
        )

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("traceparent", trace.traceparent)
            await send(message)

        token = current.set(trace)
        try:
            with correlation(str(trace.correlation_id)):
                await self.app(scope, receive, send_with_trace)
        finally:
            current.reset(token)
