"""What the reports API accepts and returns."""

from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, Field

from hourbank_disputes.api.schemas import Text
from hourbank_disputes.domain.report import Report
from hourbank_shared.contracts.enums import ReportAction, ReportReason, ReportStatus, ReportSubject


class ReportIn(BaseModel):
    subject_type: ReportSubject
    subject_id: UUID = Field(description="The offering or the member reported.")
    reason: ReportReason
    text: Text = Field(description="What happened, 1 to 4000 characters.")


class ResolveReportIn(BaseModel):
    action: ReportAction = Field(
        description="DISMISS; WITHDRAW_OFFERING (OFFERING reports only); SUSPEND_MEMBER (the "
        "member reported, or the offering's provider)."
    )
    note: Text = Field(description="The reasoning, shown to the reporter.")


class ReportView(BaseModel):
    id: UUID
    reporter_id: UUID
    subject_type: ReportSubject
    subject_id: UUID
    subject_member_id: UUID | None = Field(
        description="The offering's provider or the member reported; null for an offering the "
        "disputes service has not seen yet (filled in when it does)."
    )
    reason: ReportReason
    text: str
    status: ReportStatus
    action: ReportAction | None
    note: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: UUID | None

    @classmethod
    def of(cls, report: Report) -> Self:
        return cls(
            id=report.id,
            reporter_id=report.reporter_id,
            subject_type=report.subject.type,
            subject_id=report.subject.id,
            subject_member_id=report.subject.member_id,
            reason=report.reason,
            text=report.text,
            status=report.status,
            action=report.action,
            note=report.note,
            created_at=report.created_at,
            resolved_at=report.resolved_at,
            resolved_by=report.resolved_by,
        )
