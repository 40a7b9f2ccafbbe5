"""At most as many requests inside an API as its connection pool can serve at once.

Without it, a burst of requests deadlocks a FastAPI app with sync routes: every worker thread
waits for a pooled connection, while the connections are held by requests that finished their
route and now wait for a worker thread to serialize the answer or close their session. It
lasts until the pool times out, and then returns 500s. The fault-injection run with 160 clients
found it. Requests beyond the limit wait on the event loop, which costs nothing.

A route that parks a request on the event loop (a long-poll waiting for a change) gives its
slot back meanwhile (`outside_admission`), so parked requests never starve the others.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.types import ASGIApp, Receive, Scope, Send

UNLIMITED_SUFFIXES = ("/stream", "/healthz", "/readyz", "/metrics")
"""Long-lived streams and the operators' probes must never queue behind the API's work (the
probes use no pooled connection either: see `operational.Readiness`)."""
ADMITTED = "hourbank.admitted"
"""The scope key of the request's `Slot`."""


class Slot:
    """One request's place inside the limit, given back at most once per taking."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self.held = False

    async def take(self) -> None:
        await self._slots.acquire()  # a cancelled wait takes nothing: `held` stays False
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._slots.release()


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
        slot = Slot(self._slots)
        await slot.take()
        scope[ADMITTED] = slot
        try:
            await self.app(scope, receive, send)
        finally:
            slot.give_back()


@asynccontextmanager
async def outside_admission(scope: Scope) -> AsyncIterator[None]:
    """Gives the request's slot back while it waits for something that needs no thread and no
    connection, and queues for one again after (what follows reads the database)."""
    slot: Slot | None = scope.get(ADMITTED)
    if slot is not None:
        slot.give_back()
    try:
        yield
    finally:
        if slot is not None:
            await slot.take()
