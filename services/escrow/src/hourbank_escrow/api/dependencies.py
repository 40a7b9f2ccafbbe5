"""What routes need, as `Annotated` aliases: the shared ones and a unit of work."""

from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Request

from hourbank_escrow.unit_of_work import SqlUnitOfWork
from hourbank_shared.dependencies import Now, ReadSession, Sessions

__all__ = ["ApprovalThreshold", "Now", "ReadSession", "Sessions", "UnitOfWork"]


async def _unit_of_work(sessions: Sessions) -> SqlUnitOfWork:
    return SqlUnitOfWork(sessions)


UnitOfWork = Annotated[SqlUnitOfWork, Depends(_unit_of_work)]
"""A fresh unit of work for a command: `with uow: ...; uow.commit()`."""


async def _approval_above(request: Request) -> Decimal:
    threshold: Decimal = request.app.state.adjustment_approval_above
    return threshold


ApprovalThreshold = Annotated[Decimal, Depends(_approval_above)]
"""Adjustments of more hours than this wait for a second admin."""
