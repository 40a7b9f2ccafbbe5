"""Escrow holds, seen by the two parties of the request and by admins."""

from uuid import UUID

from fastapi import APIRouter

from hourbank_escrow.api.dependencies import ReadSession
from hourbank_escrow.api.queries import visible_hold
from hourbank_escrow.api.schemas import EscrowView
from hourbank_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1/escrows", tags=["escrows"])


@router.get("/{request_id}", responses={404: {"description": "Unknown, or not the caller's"}})
def escrow(request_id: UUID, principal: CurrentPrincipal, session: ReadSession) -> EscrowView:
    """The hold of a request."""
    return visible_hold(session, request_id, principal)
