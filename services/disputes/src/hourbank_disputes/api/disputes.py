"""Disputes: opening one, adding evidence, the admins' assignment, resolution and dismissal.

Each POST commits once, with its answer remembered for its Idempotency-Key (a resolution
moves hours: escrow settles on its event).
"""

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from hourbank_disputes.api.dependencies import ReadSession, UnitOfWork
from hourbank_disputes.api.dispute_queries import dispute_detail, disputes_of
from hourbank_disputes.api.schemas import (
    DismissIn,
    DisputeDetail,
    DisputeIn,
    DisputeView,
    EvidenceIn,
    EvidenceView,
    ResolveIn,
)
from hourbank_disputes.domain.dispute import Caller, Dispute
from hourbank_disputes.domain.refusals import one_open_dispute
from hourbank_disputes.domain.status import DisputeState
from hourbank_disputes.handlers import (
    Context,
    add_evidence,
    assign_dispute,
    dismiss_dispute,
    open_dispute,
    resolve_dispute,
)
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth import AdminPrincipal, CurrentPrincipal
from hourbank_shared.commands import run_once
from hourbank_shared.db import losing_unique_race
from hourbank_shared.idempotency import IdempotencyKey, IdempotentRequest
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])

ONE_OPEN = "disputes_one_open"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such dispute, or the caller is not a party (problem+json)"}
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "Not allowed to the caller (problem+json)"},
    409: {"description": "Not allowed in the current status, named in `current_status`"},
}


async def _caller(principal: CurrentPrincipal) -> Caller:
    return Caller(principal.member_id, principal.is_admin)


async def _admin(principal: AdminPrincipal) -> Caller:
    return Caller(principal.member_id, is_admin=True)


async def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


CurrentCaller = Annotated[Caller, Depends(_caller)]
Admin = Annotated[Caller, Depends(_admin)]
Ctx = Annotated[Context, Depends(_context)]


def _command(
    uow: SqlUnitOfWork,
    idempotency: IdempotentRequest | None,
    status_code: int,
    handler: Callable[[SqlUnitOfWork], Any],
    answer: Callable[[SqlUnitOfWork, Any], DisputeDetail | EvidenceView],
) -> Response:
    """One command in one unit of work, its answer remembered for the idempotency key."""
    return run_once(uow, idempotency, lambda u: (status_code, answer(u, handler(u))))


@router.post(
    "",
    status_code=201,
    response_model=DisputeDetail,
    responses={
        403: {"description": "The caller is not a party of the request (problem+json)"},
        409: {"description": "The request is not disputable now, or already disputed"},
    },
)
def open_(
    body: DisputeIn, caller: CurrentCaller, idempotency: IdempotencyKey, uow: UnitOfWork, ctx: Ctx
) -> Response:
    """A party of a request opens a dispute on it (ACCEPTED to PENDING_COMPLETION_CONFIRMATION);
    the requests service then confirms the request DISPUTED, or refuses. On a request disputes
    has not seen within 2 s, the dispute is accepted PENDING (201), and decided as above when
    the request's first event arrives: OPEN, or REFUSED with the reason."""
    with losing_unique_race(ONE_OPEN, one_open_dispute):
        return _command(
            uow,
            idempotency,
            201,
            lambda u: open_dispute(ctx, u, caller, body.request_id, body.type, body.description),
            lambda u, d: dispute_detail(u.session, d.id, caller),
        )


@router.get("")
def list_disputes(
    caller: CurrentCaller,
    session: ReadSession,
    status: Annotated[list[DisputeState] | None, Query(description="Any of these")] = None,
    request_id: Annotated[UUID | None, Query(description="Only this request's")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DisputeView]:
    """A member's disputes (raised by or against them: a PENDING one only by them); for admins,
    every dispute. Newest first."""
    return disputes_of(session, caller, tuple(status or ()), limit, cursor, request_id)


@router.get("/{dispute_id}", responses=NOT_FOUND)
def get_dispute(dispute_id: UUID, caller: CurrentCaller, session: ReadSession) -> DisputeDetail:
    """One dispute with its evidence and timeline, for its parties and admins."""
    return dispute_detail(session, dispute_id, caller)


@router.post(
    "/{dispute_id}/evidence", status_code=201, response_model=EvidenceView, responses=REFUSALS
)
def evidence(
    dispute_id: UUID,
    body: EvidenceIn,
    caller: CurrentCaller,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    ctx: Ctx,
) -> Response:
    """A party adds a statement or a link while the dispute is open (or its raiser while it is
    PENDING: the evidence is published when it opens)."""
    return _command(
        uow,
        idempotency,
        201,
        lambda u: add_evidence(ctx, u, dispute_id, caller, body.kind, body.content),
        lambda _, e: EvidenceView.model_validate(e, from_attributes=True),
    )


def _admin_action(
    dispute_id: UUID,
    admin: Caller,
    idempotency: IdempotentRequest | None,
    uow: SqlUnitOfWork,
    handler: Callable[[SqlUnitOfWork], Dispute],
) -> Response:
    return _command(
        uow, idempotency, 200, handler, lambda u, _: dispute_detail(u.session, dispute_id, admin)
    )


@router.post("/{dispute_id}/assign", response_model=DisputeDetail, responses=REFUSALS)
def assign(
    dispute_id: UUID, admin: Admin, idempotency: IdempotencyKey, uow: UnitOfWork, ctx: Ctx
) -> Response:
    """Admins only: take the dispute for review (OPEN → UNDER_REVIEW)."""
    return _admin_action(
        dispute_id, admin, idempotency, uow,
        lambda u: assign_dispute(ctx, u, dispute_id, admin.member_id),
    )  # fmt: skip


@router.post("/{dispute_id}/resolve", response_model=DisputeDetail, responses=REFUSALS)
def resolve(
    dispute_id: UUID,
    body: ResolveIn,
    admin: Admin,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    ctx: Ctx,
) -> Response:
    """Admins only, once the request is confirmed DISPUTED: pay the provider, refund the
    requester, or split (the provider's hours × rate, at most what is held)."""
    return _admin_action(
        dispute_id, admin, idempotency, uow,
        lambda u: resolve_dispute(
            ctx, u, dispute_id, admin.member_id, body.resolution, body.provider_hours, body.note
        ),
    )  # fmt: skip


@router.post("/{dispute_id}/dismiss", response_model=DisputeDetail, responses=REFUSALS)
def dismiss(
    dispute_id: UUID,
    body: DismissIn,
    admin: Admin,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    ctx: Ctx,
) -> Response:
    """Admins only, once the request is confirmed DISPUTED: the request resumes where it was.
    Also a PENDING dispute, whose request disputes never saw: closed without an event."""
    return _admin_action(
        dispute_id, admin, idempotency, uow,
        lambda u: dismiss_dispute(ctx, u, dispute_id, admin.member_id, body.note),
    )  # fmt: skip
