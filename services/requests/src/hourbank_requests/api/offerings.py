"""Offerings: members publish what they provide; everyone searches them."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from hourbank_requests.api.dependencies import Now, ReadSession, UnitOfWork
from hourbank_requests.api.offering_queries import OfferingFilter, offering, offerings
from hourbank_requests.api.schemas import Category, OfferingIn, OfferingPatch, OfferingView
from hourbank_requests.domain.errors import Forbidden, NotVisible
from hourbank_requests.domain.offerings import Offering
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth import CurrentPrincipal
from hourbank_shared.commands import run_once
from hourbank_shared.idempotency import IdempotencyKey
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/offerings", tags=["offerings"])

PROVIDER_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not the caller's offering (problem+json)"},
    404: {"description": "No such offering (problem+json)"},
}


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
) -> Response:
    """Offer a service to the other members."""

    def offer(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
        provider = uow.members.lock(principal.member_id)
        if provider is None:
            raise Forbidden("only members offer services: register first (POST /v1/members)")
        created = Offering.create(provider, body.terms(), now)
        uow.offerings.save(created)
        return 201, OfferingView.of(created)

    return run_once(uow, idempotency, offer)


@router.get("")
def search_offerings(
    principal: CurrentPrincipal,
    session: ReadSession,
    category: Annotated[Category | None, Query()] = None,
    provider_id: UUID | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the title or description, any case")
    ] = None,
    include_withdrawn: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OfferingView]:
    """Offerings, newest first; active ones only unless `include_withdrawn`."""
    wanted = OfferingFilter(category, provider_id, q, include_withdrawn)
    return offerings(session, wanted, limit, cursor)


@router.get("/{offering_id}", responses={404: PROVIDER_ONLY[404]})
def get_offering(
    offering_id: UUID, principal: CurrentPrincipal, session: ReadSession
) -> OfferingView:
    """One offering, withdrawn or not."""
    return offering(session, offering_id)


@router.patch("/{offering_id}", responses=PROVIDER_ONLY)
def revise_offering(
    offering_id: UUID, body: OfferingPatch, principal: CurrentPrincipal, uow: UnitOfWork
) -> OfferingView:
    """Change some of the terms; requests already made keep the terms they were made with."""
    with uow:
        revised = _locked(uow, offering_id)
        revised.revise(principal.member_id, body.changes())
        uow.offerings.save(revised)
        uow.commit()
    return OfferingView.of(revised)


@router.delete("/{offering_id}", status_code=204, responses=PROVIDER_ONLY)
def withdraw_offering(offering_id: UUID, principal: CurrentPrincipal, uow: UnitOfWork) -> Response:
    """Take the offering off the list (no new requests); withdrawing twice changes nothing."""
    with uow:
        withdrawn = _locked(uow, offering_id)
        withdrawn.withdraw(principal.member_id)
        uow.offerings.save(withdrawn)
        uow.commit()
    return Response(status_code=204)


def _locked(uow: SqlUnitOfWork, offering_id: UUID) -> Offering:
    found = uow.offerings.lock(offering_id)
    if found is None:
        raise NotVisible(f"no offering {offering_id}")
    return found
