"""What every service's routes need, as `Annotated` aliases: sessions and the clock."""

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.clock import Clock


async def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


Sessions = Annotated[sessionmaker[Session], Depends(_sessions)]
"""The service's session factory (for a unit of work, or a consistent snapshot)."""


def _read_session(sessions: Sessions) -> Iterator[Session]:
    with sessions() as session:
        yield session


async def _now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


ReadSession = Annotated[Session, Depends(_read_session)]
"""A session for queries; nothing read through it is ever committed."""
Now = Annotated[datetime, Depends(_now)]
