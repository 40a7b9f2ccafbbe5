"""Offerings: members publish what they provide; everyone searches them; when the bank
reviews offerings, admins approve or reject them first."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from hourbank_requests.api.dependencies import Now, ReadSession, UnitOfWork
from hourbank_requests.api.offering_queries import OfferingFilter, offering, offerings
from hourbank_requests.api.schemas import (
    ApprovalIn,
    Category,
    OfferingIn,
    OfferingPatch,
    OfferingView,
    RejectionIn,
)
from hourbank_requests.domain.errors import Forbidden, NotVisible
from hourbank_requests.domain.offering_access import listed_statuses
from hourbank_requests.domain.offerings import Offering
from hourbank_requests.domain.service_request import Caller
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth import AdminPrincipal, CurrentPrincipal, Principal
from hourbank_shared.commands import run_once
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.idempotency import IdempotencyKey
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/offerings", tags=["offerings"])

PROVIDER_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not the caller's offering (problem+json)"},
    404: {"description": "No such offering (problem+json)"},
}
WITHDRAWN = {"description": "The offering is withdrawn, named in `offering_status`"}
REVIEW_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not an admin, or the admin's own offering (problem+json)"},
    404: {"description": "No such offering (problem+json)"},
    409: {
        "description": "Not PENDING_REVIEW (named in `offering_status`), or changed since the "
        "`version` reviewed"
    },
}


async def _review(request: Request) -> bool:
    review: bool = request.app.state.offering_review
    return review


Review = Annotated[bool, Depends(_review)]
"""Whether the bank reviews offerings (HOURBANK_OFFERING_REVIEW)."""


@router.post(
    "",
    status_code=201,
    response_model=OfferingView,
    responses={403: {"description": "The caller is not a registered, active member"}},
)
def create_offering(
    body: OfferingIn,
    principal: CurrentPrincipal,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    now: Now,
    review: Review,
) -> Response:
    """Offer a service to the other members: APPROVED at once, or PENDING_REVIEW when the bank
    reviews offerings."""

    def offer(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
        provider = uow.members.lock(principal.member_id)
        if provider is None:
            raise Forbidden("only members offer services: register first (POST /v1/members)")
        created = Offering.create(provider, body.terms(), now, review=review)
        uow.offerings.save(created)
        uow.publish(created, time=now)
        return 201, OfferingView.of(created)

    return run_once(uow, idempotency, offer)


@router.get("", responses={403: {"description": "A status other than APPROVED (members)"}})
def search_offerings(
    principal: CurrentPrincipal,
    session: ReadSession,
    category: Annotated[Category | None, Query()] = None,
    provider_id: UUID | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the title or description, any case")
    ] = None,
    status: Annotated[
        OfferingStatus | None,
        Query(
            description="Admins: any (the review queue is PENDING_REVIEW); members: APPROVED, "
            "or any with provider_id = their own id."
        ),
    ] = None,
    include_withdrawn: Annotated[
        bool, Query(description="Also WITHDRAWN ones, where the caller may see them.")
    ] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OfferingView]:
    """Offerings, newest first: the APPROVED ones, unless an admin or a provider listing their
    own (`provider_id`) asks for more."""
    caller = _caller(principal)
    statuses = listed_statuses(caller, provider_id, status, include_withdrawn)
    wanted = OfferingFilter(statuses, category, provider_id, q)
    return offerings(session, wanted, caller, limit, cursor)


@router.get("/{offering_id}", responses={404: PROVIDER_ONLY[404]})
def get_offering(
    offering_id: UUID, principal: CurrentPrincipal, session: ReadSession
) -> OfferingView:
    """One offering: an APPROVED one for anybody, any other for its provider and admins."""
    return offering(session, offering_id, _caller(principal))


@router.patch("/{offering_id}", responses={**PROVIDER_ONLY, 409: WITHDRAWN})
def revise_offering(
    offering_id: UUID,
    body: OfferingPatch,
    principal: CurrentPrincipal,
    uow: UnitOfWork,
    now: Now,
    review: Review,
) -> OfferingView:
    """Change some of the terms; requests already made keep the terms they were made with.
    When the bank reviews offerings, new terms wait for review again (PENDING_REVIEW)."""
    with uow:
        revised = _locked(uow, offering_id)
        revised.revise(principal.member_id, body.changes(), review=review)
        return _saved(uow, revised, now)


@router.delete("/{offering_id}", status_code=204, responses=PROVIDER_ONLY)
def withdraw_offering(
    offering_id: UUID, principal: CurrentPrincipal, uow: UnitOfWork, now: Now
) -> Response:
    """Take the offering off the list (no new requests); withdrawing twice changes nothing."""
    with uow:
        withdrawn = _locked(uow, offering_id)
        withdrawn.withdraw(principal.member_id)
        _saved(uow, withdrawn, now)
    return Response(status_code=204)


@router.post("/{offering_id}/approve", responses=REVIEW_REFUSALS)
def approve_offering(
    offering_id: UUID, body: ApprovalIn, admin: AdminPrincipal, uow: UnitOfWork, now: Now
) -> OfferingView:
    """Admins: approve an offering PENDING_REVIEW; members may request it from now on."""
    with uow:
        approved = _locked(uow, offering_id)
        approved.approve(admin.member_id, body.note, body.version)
        return _saved(uow, approved, now)


@router.post("/{offering_id}/reject", responses=REVIEW_REFUSALS)
def reject_offering(
    offering_id: UUID, body: RejectionIn, admin: AdminPrincipal, uow: UnitOfWork, now: Now
) -> OfferingView:
    """Admins: reject an offering PENDING_REVIEW, for a reason the provider reads; revising
    it submits it again."""
    with uow:
        rejected = _locked(uow, offering_id)
        rejected.reject(admin.member_id, body.reason, body.version)
        return _saved(uow, rejected, now)


def _caller(principal: Principal) -> Caller:
    return Caller(principal.member_id, principal.is_admin)


def _locked(uow: SqlUnitOfWork, offering_id: UUID) -> Offering:
    found = uow.offerings.lock(offering_id)
    if found is None:
        raise NotVisible(f"no offering {offering_id}")
    return found


def _saved(uow: SqlUnitOfWork, offering: Offering, now: datetime) -> OfferingView:
    uow.offerings.save(offering)
    uow.publish(offering, time=now)
    uow.commit()
    return OfferingView.of(offering)
