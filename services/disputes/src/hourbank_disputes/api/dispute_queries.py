"""The read side of disputes: a member's (or, for admins, every) dispute, one dispute with its
evidence and timeline, unlocked.

Only the parties and admins see a dispute (anyone else gets the 404 of one that does not exist).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, or_
from sqlalchemy.orm import Session

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.adapters.dispute_repositories import (
    dispute_from_row,
    disputes_with_request,
    evidence_of,
)
from hourbank_disputes.api.schemas import DisputeDetail, DisputeView, EvidenceView, timeline
from hourbank_disputes.domain.dispute import Caller
from hourbank_disputes.domain.errors import NotVisible
from hourbank_disputes.domain.status import DisputeState
from hourbank_shared.keyset import newest_first, page_of
from hourbank_shared.pagination import Page


def disputes_of(
    session: Session,
    caller: Caller,
    statuses: tuple[DisputeState, ...],
    limit: int,
    cursor: str | None,
    request_id: UUID | None = None,
) -> Page[DisputeView]:
    """The member's disputes (raised by or against them); every dispute for an admin; only
    those on `request_id` if given (a request's timeline)."""
    c = t.disputes.c
    query = disputes_with_request()
    if not caller.is_admin:
        query = query.where(or_(c.raised_by == caller.member_id, c.against == caller.member_id))
    if statuses:
        query = query.where(c.status.in_([str(status) for status in statuses]))
    if request_id is not None:
        query = query.where(c.request_id == request_id)
    rows = session.execute(newest_first(query, c.created_at, c.id, limit, cursor)).all()
    return page_of(rows, limit, _view, _position)


def dispute_detail(session: Session, dispute_id: UUID, caller: Caller) -> DisputeDetail:
    """The dispute as stored, or as changed so far in the session's transaction."""
    row = session.execute(disputes_with_request().where(t.disputes.c.id == dispute_id)).first()
    if row is None:
        raise NotVisible(f"no dispute {dispute_id}")
    dispute = dispute_from_row(row)
    dispute.visible_to(caller)
    evidence = [
        EvidenceView.model_validate(e, from_attributes=True)
        for e in evidence_of(session, dispute_id)
    ]
    view = DisputeView.of(dispute).model_dump()
    return DisputeDetail(**view, evidence=evidence, timeline=timeline(dispute))


def _view(row: Row[Any]) -> DisputeView:
    return DisputeView.of(dispute_from_row(row))


def _position(view: DisputeView) -> tuple[datetime, UUID]:
    return view.created_at, view.id
