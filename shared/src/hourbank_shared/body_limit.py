"""Request bodies beyond the route's limit are refused with 413 problem+json, unread.

Every route takes bodies up to the default (`HOURBANK_MAX_REQUEST_BODY_BYTES`, 64 KiB); a route
whose legitimate bodies are bigger declares its own limit with `openapi_extra=body_limit(n)`,
which also shows in its OpenAPI operation. A declared `Content-Length` beyond the limit is
refused before any byte is read; a body without one (chunked) is counted as it arrives and
refused as soon as it passes the limit, whoever is reading it.

The largest legitimate body today is a dispute's or an evidence's 4,000 characters: at most
48 KB even if every character is a JSON-escaped astral code point (12 bytes), so no route
declares a limit of its own yet.
"""

from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hourbank_shared.errors import problem_response

LIMIT_KEY = "x-body-limit"
"""The OpenAPI extension naming a route's own body limit, in bytes."""
DEFAULT_LIMIT = 64 * 1024


def body_limit(max_bytes: int) -> dict[str, Any]:
    """`openapi_extra` for a route that takes bodies up to `max_bytes` instead of the default."""
    return {LIMIT_KEY: max_bytes}


class BodyTooLarge(Exception):
    """The body being read passed the route's limit."""


class LimitRequestBody:
    """ASGI middleware: 413 problem+json for a body beyond the route's limit."""

    def __init__(self, app: ASGIApp, default_limit: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.default_limit = default_limit
        self._overrides: list[tuple[Any, int]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _declared_length(scope)
        if not declared and not chunked:
            await self.app(scope, receive, send)
            return
        limit = self._limit_of(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return
        if not chunked:  # the server delivers no more than the declared length: nothing to count
            await self.app(scope, receive, send)
            return
        await self._counting(scope, receive, send, limit)

    async def _counting(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        too_large = started = False

        async def counted() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge(f"more than {limit} bytes")
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                return  # the route's answer to a body it never got whole (e.g. a 400)
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            if started:
                raise
        if too_large and not started:
            await _refuse(scope, receive, send, limit)

    def _limit_of(self, scope: Scope) -> int:
        """The limit of the route the request goes to: its own, else the default."""
        if self._overrides is None:
            routes = getattr(getattr(scope.get("app"), "router", None), "routes", [])
            self._overrides = [
                (route, int(extra[LIMIT_KEY]))
                for route in routes
                if isinstance(extra := getattr(route, "openapi_extra", None), dict)
                and LIMIT_KEY in extra
            ]
        for route, limit in self._overrides:
            if route.matches(scope)[0] is Match.FULL:
                return limit
        return self.default_limit


def _declared_length(scope: Scope) -> tuple[int | None, bool]:
    """The Content-Length (None if absent), and whether the body comes chunked."""
    declared, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length" and value.strip().isdigit():
            declared = int(value)
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = problem_response(
        413,
        "Content Too Large",
        f"the request body is larger than this route takes ({limit} bytes)",
        "content-too-large",
        scope["path"],
        max_bytes=limit,
    )
    # the rest of the body is never read: the connection cannot carry another request
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
