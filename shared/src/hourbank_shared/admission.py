"""At most as many requests inside an API as its connection pool can serve at once.

Without it, a burst of requests deadlocks a FastAPI app with sync routes: every worker thread
waits for a pooled connection, while the connections are held by requests that finished their
route and now wait for a worker thread to serialize the answer or close their session. It
lasts until the pool times out, and then returns 500s. The fault-injection run with 160 clients
found it. Requests beyond the limit wait on the event loop, which costs nothing.
"""

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

UNLIMITED_SUFFIXES = ("/stream", "/healthz", "/readyz", "/metrics")
"""Long-lived streams and the operators' probes must never queue behind the API's work (the
probes use no pooled connection either: see `operational.Readiness`)."""


class AdmissionLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith(UNLIMITED_SUFFIXES):
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made inside the server's event loop
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
