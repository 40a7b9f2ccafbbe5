"""Who waits for which request to change, woken by the database: the long-polls of
`GET /v1/requests/{id}` (`Prefer: wait`).

Migration 0004's trigger sends `NOTIFY hourbank_request_changed '<id>'` when a request's row
moves on, whichever process wrote it, delivered at commit. Each API process listens on one
connection of its own, opened at the first wait, from a task on the event loop (async
psycopg): a waiter is an `asyncio.Event`, so a parked wait holds no thread and no connection.
After a lost connection the task connects again and wakes every waiter: a change made while
nobody listened is found by their reads.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import psycopg
from prometheus_client import Gauge
from psycopg.conninfo import make_conninfo

from hourbank_shared.db import CONNECT_ARGS
from hourbank_shared.settings import libpq_url

log = logging.getLogger(__name__)

CHANNEL = "hourbank_request_changed"
APPLICATION_NAME = "hourbank-requests-changes"
"""The listening connection's name in `pg_stat_activity`."""
MAX_WAITS = 1000
"""Long-polls one process holds at once; beyond, a wait is refused (503, Retry-After)."""
RECONNECT_PAUSES = (0.1, 5.0)
"""The pause before connecting again after a failure: the first, doubling up to the last."""

WAITS = Gauge(
    "hourbank_request_waits",
    "Long-polls on GET /v1/requests/{id} this API process holds, waiting for their request "
    "to change",
)


class Watch:
    """One long-poll's view of its request: `changed` returns once it changed since the last
    call (or since the watch began), or when the time is up."""

    def __init__(self, admitted: bool, limit: int) -> None:
        self.admitted = admitted
        """False: the process holds `limit` long-polls already; this one must not wait."""
        self.limit = limit
        self._changed = asyncio.Event()

    def wake(self) -> None:
        self._changed.set()

    async def changed(self, seconds: float) -> bool:
        """False: no word of a change within `seconds`."""
        try:
            async with asyncio.timeout(seconds):
                await self._changed.wait()
        except TimeoutError:
            return False
        self._changed.clear()  # before the read that follows: a change during it wakes again
        return True


class RequestChanges:
    """The process's long-polls and the one connection that hears of changes for them."""

    def __init__(self, database_url: str, limit: int = MAX_WAITS) -> None:
        self._url = libpq_url(database_url)
        self.limit = limit
        self._watches: dict[str, set[Watch]] = {}
        self._held = 0
        self._listener: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """The long-polls under way (admitted), parked or reading."""
        return self._held

    @asynccontextmanager
    async def watching(self, request_id: UUID) -> AsyncIterator[Watch]:
        """A watch on the request, registered before the caller reads it (a change after that
        read then always wakes it)."""
        self._listen()
        watch = Watch(self._held < self.limit, self.limit)
        if not watch.admitted:
            yield watch
            return
        key = str(request_id)
        self._watches.setdefault(key, set()).add(watch)
        self._held += 1
        WAITS.inc()
        try:
            yield watch
        finally:
            self._held -= 1
            WAITS.dec()
            watches = self._watches[key]
            watches.discard(watch)
            if not watches:
                del self._watches[key]

    def _listen(self) -> None:
        """Starts the listening task, again if it ended (it failed unexpectedly) or belongs to
        another event loop (a test client's, closed since)."""
        loop = asyncio.get_running_loop()
        task = self._listener
        if task is None or task.done() or task.get_loop() is not loop:
            self._listener = loop.create_task(self._listen_until_cancelled())

    async def _listen_until_cancelled(self) -> None:
        first, most = RECONNECT_PAUSES
        pause = first
        while True:
            listened = False
            try:
                conninfo = make_conninfo(
                    self._url, application_name=APPLICATION_NAME, **CONNECT_ARGS
                )
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    listened = True
                    self._wake_all()  # whatever changed before the LISTEN: every waiter reads
                    async for notice in connection.notifies():
                        for watch in self._watches.get(notice.payload, ()):
                            watch.wake()
            except (psycopg.Error, OSError) as error:
                log.warning("request changes: not listening (%s); connecting again", error)
            if listened:
                pause = first
            await asyncio.sleep(pause)
            pause = min(pause * 2, most)

    def _wake_all(self) -> None:
        for watches in self._watches.values():
            for watch in watches:
                watch.wake()
