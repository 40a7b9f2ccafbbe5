"""Members: registering the token's subject, profiles, and (for admins) suspension."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from hourbank_requests.adapters.member_repositories import SqlMembers
from hourbank_requests.api.dependencies import Now, ReadSession, UnitOfWork
from hourbank_requests.api.member_queries import members_matching
from hourbank_requests.api.schemas import (
    MemberView,
    ProfileView,
    ReactivationIn,
    RegistrationIn,
    SuspensionIn,
)
from hourbank_requests.domain.errors import NotAllowedNow, NotVisible
from hourbank_requests.domain.members import Member
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth import AdminPrincipal, CurrentPrincipal, admin_principal
from hourbank_shared.commands import run_once
from hourbank_shared.idempotency import IdempotencyKey
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/members", tags=["members"])
admin_router = APIRouter(
    prefix="/v1/members", tags=["members", "admin"], dependencies=[Depends(admin_principal)]
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such member"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "An admin acting on themselves (problem+json)"},
    409: {"description": "The member is already in that status (problem+json)"},
}


@router.post(
    "",
    status_code=201,
    response_model=MemberView,
    responses={409: {"description": "Already registered (problem+json)"}},
)
def register(
    body: RegistrationIn,
    principal: CurrentPrincipal,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    now: Now,
) -> Response:
    """Become a member as the token's subject, with the roles the token carries."""

    def register_member(uow: SqlUnitOfWork) -> tuple[int, BaseModel]:
        if uow.members.lock(principal.member_id) is not None:
            raise NotAllowedNow(f"member {principal.member_id} is already registered")
        member = Member.register(
            principal.member_id, body.display_name, body.email, principal.roles, now
        )
        uow.members.save(member)
        uow.publish(member, time=now)
        return 201, MemberView.model_validate(member)

    return run_once(uow, idempotency, register_member)


@router.get("/me", responses={404: {"description": "Not registered yet (problem+json)"}})
def me(principal: CurrentPrincipal, session: ReadSession) -> MemberView:
    """The caller's membership, with their email and roles."""
    member = SqlMembers(session).get(principal.member_id)
    if member is None:
        raise NotVisible("you are not a member yet: register first (POST /v1/members)")
    return MemberView.model_validate(member)


@router.get("/{member_id}", responses=NOT_FOUND)
def profile(member_id: UUID, principal: CurrentPrincipal, session: ReadSession) -> ProfileView:
    """A member's public profile: name, status and rating."""
    return ProfileView.model_validate(_found(SqlMembers(session).get(member_id), member_id))


@admin_router.post("/{member_id}/suspend", responses=CONFLICT)
def suspend(
    member_id: UUID, body: SuspensionIn, admin: AdminPrincipal, uow: UnitOfWork, now: Now
) -> MemberView:
    """Suspend a member, for a reason: no new requests or offerings until reactivated."""
    with uow:
        member = _found(uow.members.lock(member_id), member_id)
        member.suspend(body.reason, by_admin_id=admin.member_id)
        return _saved(uow, member, now)


@admin_router.post("/{member_id}/reactivate", responses=CONFLICT)
def reactivate(
    member_id: UUID, body: ReactivationIn, admin: AdminPrincipal, uow: UnitOfWork, now: Now
) -> MemberView:
    """Lift a member's suspension, for a reason."""
    with uow:
        member = _found(uow.members.lock(member_id), member_id)
        member.reactivate(body.reason, by_admin_id=admin.member_id)
        return _saved(uow, member, now)


@admin_router.get("", responses={403: {"description": "Not an admin (problem+json)"}})
def find_members(
    q: Annotated[
        str,
        Query(min_length=2, max_length=100, description="A fragment of the name or email."),
    ],
    session: ReadSession,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MemberView]:
    """Admins: members whose name or email contains `q` (any case), with email and roles,
    newest first."""
    return members_matching(session, q.strip(), limit, cursor)


def _found(member: Member | None, member_id: UUID) -> Member:
    if member is None:
        raise NotVisible(f"no member {member_id}")
    return member


def _saved(uow: SqlUnitOfWork, member: Member, now: datetime) -> MemberView:
    uow.members.save(member)
    uow.publish(member, time=now)
    uow.commit()
    return MemberView.model_validate(member)
