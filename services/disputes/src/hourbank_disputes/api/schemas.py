"""What the disputes API accepts and returns; hours are strings with two decimals."""

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hourbank_disputes.domain.dispute import Dispute
from hourbank_disputes.domain.evidence import CONTENT_MAX, EvidenceKind
from hourbank_disputes.domain.status import DisputeState
from hourbank_shared.contracts.enums import DisputeResolution, DisputeType
from hourbank_shared.money import Amount, HoursInput

TEXT_MAX = 4000

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX)]


class DisputeIn(BaseModel):
    request_id: UUID
    type: DisputeType
    description: Text = Field(description="The complaint, 1 to 4000 characters.")


class EvidenceIn(BaseModel):
    kind: EvidenceKind = Field(description="`text`: a statement; `link`: an http(s) URL.")
    content: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CONTENT_MAX)
    ]


class ResolveIn(BaseModel):
    resolution: DisputeResolution
    provider_hours: HoursInput | None = Field(
        None, description="SPLIT only: the hours of service the provider is paid for."
    )
    note: Text = Field(description="The reasoning, shown to both parties.")


class DismissIn(BaseModel):
    note: Text = Field(description="The reasoning, shown to both parties.")


class EvidenceView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    added_by: UUID
    kind: EvidenceKind
    content: str
    at: datetime


class TimelineEntry(BaseModel):
    step: str = Field(description="OPENED, ASSIGNED, RESOLVED, DISMISSED or REFUSED.")
    at: datetime
    by: UUID | None = Field(
        description="The member or admin; null for a refusal (by the requests service, or by "
        "disputes when a PENDING dispute's request arrived)."
    )


class DisputeView(BaseModel):
    id: UUID
    request_id: UUID
    requester_id: UUID | None = Field(description="null until disputes has seen the request.")
    provider_id: UUID | None = Field(description="null until disputes has seen the request.")
    type: DisputeType
    status: DisputeState = Field(
        description="PENDING: disputes has not seen the request yet; the dispute is decided "
        "(OPEN, or REFUSED with the reason) when it does. Only its raiser and admins see it, "
        "and an admin may dismiss it. Never in an event."
    )
    raised_by: UUID
    against: UUID | None = Field(
        description="The other party; null until the dispute opens (PENDING, or refused or "
        "dismissed before it opened)."
    )
    description: str
    assigned_admin: UUID | None
    request_confirmed: bool = Field(
        description="true once the request is DISPUTED and escrow froze the hold: only then "
        "can an admin resolve or dismiss."
    )
    resolution: DisputeResolution | None
    provider_hours: Amount | None
    provider_amount: Amount | None = Field(description="Hours paid to the provider.")
    requester_refund: Amount | None = Field(description="Hours refunded to the requester.")
    note: str | None
    refusal_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, dispute: Dispute) -> Self:
        names = cls.model_fields.keys() - {"requester_id", "provider_id", "type"}
        request = dispute.request
        return cls.model_validate(
            {name: getattr(dispute, name) for name in names}
            | {
                "requester_id": request.requester_id if request is not None else None,
                "provider_id": request.provider_id if request is not None else None,
                "type": dispute.dispute_type,
            }
        )


class DisputeDetail(DisputeView):
    evidence: list[EvidenceView]
    timeline: list[TimelineEntry]


def timeline(dispute: Dispute) -> list[TimelineEntry]:
    entries = [TimelineEntry(step="OPENED", at=dispute.created_at, by=dispute.raised_by)]
    if dispute.assigned_at is not None and dispute.status is not DisputeState.OPEN:
        entries.append(
            TimelineEntry(step="ASSIGNED", at=dispute.assigned_at, by=dispute.assigned_admin)
        )
    if dispute.closed_at is not None:
        by = dispute.assigned_admin if dispute.status is not DisputeState.REFUSED else None
        entries.append(TimelineEntry(step=str(dispute.status), at=dispute.closed_at, by=by))
    return entries
