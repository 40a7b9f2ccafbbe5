"""What routes need, as `Annotated` aliases: a read session, a unit of work, the clock."""

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock


def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


def _read_session(
    sessions: Annotated[sessionmaker[Session], Depends(_sessions)],
) -> Iterator[Session]:
    with sessions() as session:
        yield session


def _unit_of_work(sessions: Annotated[sessionmaker[Session], Depends(_sessions)]) -> SqlUnitOfWork:
    return SqlUnitOfWork(sessions)


def _now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


ReadSession = Annotated[Session, Depends(_read_session)]
"""A session for queries; nothing read through it is ever committed."""
UnitOfWork = Annotated[SqlUnitOfWork, Depends(_unit_of_work)]
"""A fresh unit of work for a command: `with uow: ...; uow.commit()`."""
Now = Annotated[datetime, Depends(_now)]
