"""What routes need, as `Annotated` aliases: the shared ones and a unit of work."""

from typing import Annotated

from fastapi import Depends

from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.dependencies import Now, ReadSession, Sessions

__all__ = ["Now", "ReadSession", "Sessions", "UnitOfWork"]


async def _unit_of_work(sessions: Sessions) -> SqlUnitOfWork:
    return SqlUnitOfWork(sessions)


UnitOfWork = Annotated[SqlUnitOfWork, Depends(_unit_of_work)]
"""A fresh unit of work for a command: `with uow: ...; uow.commit()`."""
