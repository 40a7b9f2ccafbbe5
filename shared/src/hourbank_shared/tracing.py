"""The trace context of the HTTP request in hand, carried into the events it causes.

The API takes W3C `traceparent` from the caller (or starts a trace) and the gateway's
`X-Request-ID` as the correlation id; `Envelope.wrap` uses both for an event no other event
caused, so a command's whole saga shares one trace and one correlation id.
"""

import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

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


async def trace_requests(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """HTTP middleware: the trace and correlation id for everything the request does."""
    trace = Trace(
        child_traceparent(request.headers.get("traceparent")),
        correlation_of(request.headers.get("x-request-id")),
    )
    token = current.set(trace)
    try:
        with correlation(str(trace.correlation_id)):
            response = await call_next(request)
    finally:
        current.reset(token)
    response.headers["traceparent"] = trace.traceparent
    return response
