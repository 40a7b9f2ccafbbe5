"""Service requests: submitting, the parties' actions through the lifecycle, and reading them.

Each action locks the request, runs one domain command and commits once, with the answer
remembered for its Idempotency-Key: every action may move hours (escrow reacts to it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel

from hourbank_requests.api import conditional, shedding
from hourbank_requests.api.changes import RequestChanges
from hourbank_requests.api.dependencies import ReadSession, Sessions, UnitOfWork
from hourbank_requests.api.request_queries import (
    RequestFilter,
    Role,
    history,
    requests_of,
    versioned_view,
    written_view,
)
from hourbank_requests.api.schemas import (
    CompleteIn,
    CounterIn,
    HistoryView,
    OverdueView,
    RatingIn,
    RequestIn,
    RequestView,
)
from hourbank_requests.domain.errors import NotAllowedNow
from hourbank_requests.domain.service_request import Caller, ServiceRequest
from hourbank_requests.handlers import Context, act_on_request, rate_request, submit_request
from hourbank_requests.overdue import overdue_requests
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth import AdminPrincipal, CurrentPrincipal
from hourbank_shared.clock import BusinessTime
from hourbank_shared.commands import run_once
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.db import losing_unique_race, single_read
from hourbank_shared.idempotency import IdempotencyKey, IdempotentRequest
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/requests", tags=["requests"])

ONE_OPEN = "requests_one_open"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such request, or the caller is not a party (problem+json)"}
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "The caller is not the party who may do this (problem+json)"},
    409: {"description": "Not allowed in the current status, named in `current_status`"},
}


def _second_open_request() -> NotAllowedNow:
    return NotAllowedNow(
        "you already have an open request for this offering "
        "(one open request per requester and offering)",
        rule=ONE_OPEN,
    )


async def _caller(principal: CurrentPrincipal) -> Caller:
    return Caller(principal.member_id, principal.is_admin)


async def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


async def _changes(request: Request) -> RequestChanges:
    changes: RequestChanges = request.app.state.request_changes
    return changes


CurrentCaller = Annotated[Caller, Depends(_caller)]
Ctx = Annotated[Context, Depends(_context)]
Changes = Annotated[RequestChanges, Depends(_changes)]


@router.post(
    "",
    status_code=201,
    response_model=RequestView,
    responses={
        403: {"description": "Not a member, or suspended (problem+json)"},
        404: {"description": "No such offering (problem+json)"},
        409: {"description": "Withdrawn offering, or an open request for it already"},
        **shedding.RESPONSES,
    },
)
def submit(
    body: RequestIn,
    caller: CurrentCaller,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    ctx: Ctx,
    gate: shedding.Gate,
    request: Request,
) -> Response:
    """Ask for an offering's service; escrow then holds hours × rate from the requester.
    Refused with 503 and `Retry-After`, before anything is written, while too many requests
    wait for escrow's hold."""
    if (refusal := gate.check()) is not None:
        return shedding.refused(refusal, request)

    written: tuple[UUID, int] | None = None  # the request and its version; None: replayed

    def submit_it(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
        nonlocal written
        submitted = submit_request(
            ctx, uow, caller.member_id, body.offering_id, body.hours, body.message
        )
        view, version = written_view(uow, submitted.id, caller)
        written = (submitted.id, version)
        return 201, view

    with losing_unique_race(ONE_OPEN, _second_open_request):  # the commit may lose the race
        response = run_once(uow, idempotency, submit_it)
    return response if written is None else conditional.written(response, *written)


@router.get("")
def my_requests(
    caller: CurrentCaller,
    session: ReadSession,
    status: Annotated[list[RequestStatus] | None, Query(description="Any of these")] = None,
    role: Annotated[Role | None, Query(description="Only as requester, or as provider")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RequestView]:
    """The caller's requests, as requester or provider, newest first."""
    wanted = RequestFilter(tuple(status or ()), role)
    return requests_of(session, caller.member_id, wanted, limit, cursor)


@router.get("/overdue", responses={403: {"description": "Not an admin (problem+json)"}})
def overdue(_: AdminPrincipal, ctx: Ctx, session: ReadSession) -> list[OverdueView]:
    """Admins: requests that stayed in a status longer than it allows, oldest first, with
    what they wait for (also `hourbank-requests overdue` for operators)."""
    time = ctx.time
    return [
        OverdueView.model_validate(o, from_attributes=True) for o in overdue_requests(session, time)
    ]


@router.get(
    "/{request_id}", response_model=RequestView, responses=NOT_FOUND | conditional.RESPONSES
)
async def get_request(
    request_id: UUID,
    caller: CurrentCaller,
    sessions: Sessions,
    changes: Changes,
    request: Request,
    if_none_match: Annotated[
        str | None, Header(description="The `ETag` of the last answer: 304 while it is current.")
    ] = None,
    prefer: Annotated[
        str | None,
        Header(
            description="`wait=N` with If-None-Match: wait up to N s (20 at most) for a change."
        ),
    ] = None,
) -> Response:
    """One request, for its parties and admins, with its `ETag`: 304 Not Modified while
    `If-None-Match` names it. With `Prefer: wait=N` too, the answer waits up to N seconds (20
    at most) for the request to change: 200 as soon as it does, else 304."""

    def read() -> tuple[RequestView, int]:
        # What every client reads while the saga moves: the session opens and closes in this
        # one thread hop.
        with single_read(sessions) as session:
            return versioned_view(session, request_id, caller)

    wait = conditional.wait_preferred(prefer) if if_none_match else 0
    return await conditional.answer(
        read, if_none_match, wait, changes.watching(request_id), request
    )


@router.get("/{request_id}/history", responses=NOT_FOUND)
def get_history(request_id: UUID, caller: CurrentCaller, session: ReadSession) -> list[HistoryView]:
    """Every step of the request, oldest first: who (or which service) moved it, and when."""
    return history(session, request_id, caller)


@dataclass(frozen=True)
class Action:
    """One party's action on one request, in its own unit of work."""

    request_id: UUID
    caller: Caller
    idempotency: IdempotentRequest | None
    uow: SqlUnitOfWork
    ctx: Context

    @property
    def time(self) -> BusinessTime:
        return self.ctx.time

    def run(self, command: Callable[[ServiceRequest], object]) -> Response:
        """One domain command on the locked request."""
        return self.handle(lambda uow: act_on_request(uow, self.request_id, command))

    def handle(self, handler: Callable[[SqlUnitOfWork], ServiceRequest]) -> Response:
        """The request as the command left it, with its ETag (`conditional.written`)."""
        version: int | None = None

        def handled(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
            nonlocal version
            handler(uow)
            view, version = written_view(uow, self.request_id, self.caller)
            return 200, view

        response = run_once(self.uow, self.idempotency, handled)
        return conditional.written(response, self.request_id, version)


async def _action(
    request_id: UUID, caller: CurrentCaller, idempotency: IdempotencyKey, uow: UnitOfWork, ctx: Ctx
) -> Action:
    return Action(request_id, caller, idempotency, uow, ctx)


On = Annotated[Action, Depends(_action)]
"""The request of the path, acted on by the caller."""


def _post(
    action: str, summary: str
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    return router.post(
        f"/{{request_id}}/{action}", response_model=RequestView, responses=REFUSALS, summary=summary
    )


@_post("accept", "Accept the request")
def accept(on: On) -> Response:
    """The provider accepts the request as asked: AWAITING_RESPONSE → ACCEPTED."""
    return on.run(lambda r: r.accept(on.caller, on.time))


@_post("decline", "Decline the request")
def decline(on: On) -> Response:
    """The provider declines the request, or either party the offer on the table: REJECTED,
    and escrow refunds the requester."""
    return on.run(lambda r: r.decline(on.caller, on.time))


@_post("counter", "Make a counter-offer")
def counter(body: CounterIn, on: On) -> Response:
    """Propose other hours and/or rate: NEGOTIATING, one round more (at most 5). The provider
    makes the first counter-offer; then the party not holding the last offer."""
    return on.run(lambda r: r.counter(on.caller, body.hours, body.rate, body.message, on.time))


@_post("accept-offer", "Accept the offer on the table")
def accept_offer(on: On) -> Response:
    """The party who did not make the last offer accepts it; the request is ACCEPTED once
    escrow has adjusted the hold (`offer_accepted` true meanwhile)."""
    return on.run(lambda r: r.accept_offer(on.caller, on.time))


@_post("cancel", "Cancel the request")
def cancel(on: On) -> Response:
    """The requester cancels before the work starts (the provider too, once ACCEPTED):
    CANCELLED, and escrow refunds the requester."""
    return on.run(lambda r: r.cancel(on.caller, on.time))


@_post("start", "Report the start of the work")
def start(on: On) -> Response:
    """The provider reports the start: PENDING_START_CONFIRMATION, 48 h for the requester."""
    return on.run(lambda r: r.report_start(on.caller, on.time))


@_post("confirm-start", "Confirm the start")
def confirm_start(on: On) -> Response:
    """The requester confirms the work started: IN_PROGRESS."""
    return on.run(lambda r: r.confirm_start(on.caller, on.time))


@_post("complete", "Report completion")
def complete(body: CompleteIn, on: On) -> Response:
    """The provider reports the work done with the hours worked (at most those agreed):
    PENDING_COMPLETION_CONFIRMATION, 48 h for the requester."""
    return on.run(lambda r: r.report_completion(on.caller, body.actual_hours, on.time))


@_post("confirm-completion", "Confirm completion")
def confirm_completion(on: On) -> Response:
    """The requester confirms the work done: COMPLETED, and escrow pays the provider for the
    hours worked and refunds the rest."""
    return on.run(lambda r: r.confirm_completion(on.caller, on.time))


@_post("rating", "Rate the other party")
def rate(body: RatingIn, on: On) -> Response:
    """Once the request is PAID or SETTLED, each party rates the other once (1–5)."""
    return on.handle(
        lambda uow: rate_request(on.ctx, uow, on.request_id, on.caller, body.score, body.comment)
    )
