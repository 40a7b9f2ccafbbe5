"""A member's report of an offering or a member, and an admin's decision on it.

Disputes owns moderation (docs/moderation.md): it decides; the requests service, which owns
offerings and members, carries the action out when it reads `report.resolved`. Refusals follow
the disputes' order: not visible (404), not allowed to the caller (403), wrong status (409),
input that breaks a rule (422).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from hourbank_disputes.domain.dispute import Caller
from hourbank_disputes.domain.errors import Forbidden, InvalidInput, NotAllowedNow, NotVisible
from hourbank_shared.contracts import reports as report_events
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import ReportAction, ReportReason, ReportStatus, ReportSubject

ACTIONS_ON: dict[ReportSubject, tuple[ReportAction, ...]] = {
    ReportSubject.OFFERING: (
        ReportAction.DISMISS,
        ReportAction.WITHDRAW_OFFERING,
        ReportAction.SUSPEND_MEMBER,
    ),
    ReportSubject.MEMBER: (ReportAction.DISMISS, ReportAction.SUSPEND_MEMBER),
}
"""What an admin may decide on each kind of subject (a member has no offering to withdraw)."""


@dataclass(frozen=True)
class Subject:
    type: ReportSubject
    id: UUID
    member_id: UUID | None
    """The member behind it: the member reported, or the offering's provider if known yet."""


@dataclass(eq=False)
class Report:
    id: UUID
    reporter_id: UUID
    subject: Subject
    reason: ReportReason
    text: str
    created_at: datetime
    status: ReportStatus = ReportStatus.OPEN
    action: ReportAction | None = None
    note: str | None = None
    resolved_at: datetime | None = None
    resolved_by: UUID | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    @classmethod
    def file(
        cls,
        report_id: UUID,
        reporter: Caller,
        subject: Subject,
        reason: ReportReason,
        text: str,
        now: datetime,
    ) -> "Report":
        if subject.member_id == reporter.member_id:
            what = "your own offering" if subject.type is ReportSubject.OFFERING else "yourself"
            raise InvalidInput(f"subject_id: you cannot report {what}")
        report = cls(report_id, reporter.member_id, subject, reason, text, now)
        report._record(report_events.ReportFiled, text=text)
        return report

    def visible_to(self, caller: Caller) -> None:
        if not (caller.is_admin or caller.member_id == self.reporter_id):
            raise NotVisible(f"no report {self.id}")

    def resolve(self, admin: UUID, action: ReportAction, note: str, now: datetime) -> None:
        if admin in (self.reporter_id, self.subject.member_id):
            raise Forbidden(
                "cannot resolve the report: an admin may not decide on a report they filed or"
                " that concerns them; another admin must"
            )
        if self.status is not ReportStatus.OPEN:
            raise NotAllowedNow(
                f"cannot resolve the report: it is {self.status} (allowed only when OPEN)",
                current_status=str(self.status),
            )
        if action not in ACTIONS_ON[self.subject.type]:
            allowed = " or ".join(ACTIONS_ON[self.subject.type])
            raise InvalidInput(f"action: {action} does not apply to a {self.subject.type} report"
                               f" (use {allowed})")  # fmt: skip
        if action is ReportAction.SUSPEND_MEMBER and self.subject.member_id is None:
            raise NotAllowedNow(
                "cannot suspend yet: the offering's provider is not known to disputes yet",
                current_status=str(self.status),
            )
        self.status, self.action, self.note = ReportStatus.RESOLVED, action, note
        self.resolved_at, self.resolved_by = now, admin
        self.version += 1
        self._record(report_events.ReportResolved, action=action, admin_id=admin, note=note)

    def _record(self, kind: type[report_events.ReportEvent], /, **fields: Any) -> None:
        self.events.append(
            kind(
                report_id=self.id,
                reporter_id=self.reporter_id,
                subject_type=self.subject.type,
                subject_id=self.subject.id,
                subject_member_id=self.subject.member_id,
                reason=self.reason,
                status=self.status,
                **fields,
            )
        )
