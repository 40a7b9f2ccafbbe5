"""What every service's routes need, as `Annotated` aliases: sessions and the clock."""

from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.clock import Clock
from hourbank_shared.db import end_read, read_only_sessions


async def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


Sessions = Annotated[sessionmaker[Session], Depends(_sessions)]
"""The service's session factory (for a unit of work, or a consistent snapshot)."""


async def _read_session(sessions: Sessions) -> AsyncIterator[Session]:
    # Made on the event loop (it connects at its first query, in the route's thread) and
    # ended in a worker thread (giving its connection back is I/O): one thread hop, where a
    # sync dependency takes two (to open and to close) beside the route's own. The end
    # takes a thread outside the routes' limit, as FastAPI's own does for a sync dependency:
    # behind that limit it could wait for threads that wait for the connection it holds.
    session = read_only_sessions(sessions)()
    succeeded = False
    try:
        yield session
        succeeded = True
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(
                partial(end_read, session, succeeded=succeeded),
                limiter=anyio.CapacityLimiter(1),
            )


async def _now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


ReadSession = Annotated[Session, Depends(_read_session)]
"""A session for queries, in a READ ONLY transaction (`hourbank_shared.db.read_only`)."""
Now = Annotated[datetime, Depends(_now)]
