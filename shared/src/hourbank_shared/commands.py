"""An API command in one unit of work, answered once per Idempotency-Key."""

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel
from starlette.responses import Response

from hourbank_shared.idempotency import IdempotentRequest
from hourbank_shared.unit_of_work import SqlUnitOfWork

UoW = TypeVar("UoW", bound=SqlUnitOfWork)


def run_once(
    uow: UoW,
    idempotency: IdempotentRequest | None,
    command: Callable[[UoW], tuple[int, BaseModel]],
) -> Response:
    """Runs `command` (which returns the status and body) and commits once; a request that
    repeats an answered key gets the first answer, and nothing runs again."""
    with uow:
        idempotent = uow.idempotent(idempotency)
        if (stored := idempotent.stored()) is not None:
            return stored
        status_code, body = command(uow)
        response = idempotent.respond(status_code, body)
        uow.commit()
    return response
