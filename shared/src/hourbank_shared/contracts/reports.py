"""Moderation reports, published by the disputes service (which owns moderation).

On the disputes topic, keyed by the report: a report concerns no request, and the services
that act on it (requests) or tell members of it (notifications) already read this topic.
"""

from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import ReportAction, ReportReason, ReportStatus, ReportSubject
from hourbank_shared.contracts.fields import AdminId


class ReportEvent(Event):
    TOPIC = topics.DISPUTES
    KEY = "report_id"

    report_id: UUID = Field(description="The report (Kafka key).")
    reporter_id: UUID = Field(description="The member who filed the report.")
    subject_type: ReportSubject = Field(description="What is reported: an offering or a member.")
    subject_id: UUID = Field(description="The reported offering or member.")
    subject_member_id: UUID | None = Field(
        description=(
            "The member behind the subject: the offering's provider, or the member reported;"
            " null for an offering the disputes service had not seen yet."
        )
    )
    reason: ReportReason = Field(description="Why it is reported.")
    status: ReportStatus = Field(description="The report's status after this event.")


class ReportFiled(ReportEvent):
    """A member reported an offering or a member; it waits in the admins' queue."""

    TYPE = "hourbank.report.filed.v1"

    text: str = Field(description="The report in the member's words.")


class ReportResolved(ReportEvent):
    """An admin decided on a report; the requests service carries out the action, if any."""

    TYPE = "hourbank.report.resolved.v1"

    action: ReportAction = Field(
        description=(
            "DISMISS (nothing happens), WITHDRAW_OFFERING (the requests service withdraws the"
            " offering) or SUSPEND_MEMBER (it suspends the member behind the subject)."
        )
    )
    admin_id: AdminId
    note: str = Field(description="The admin's reasoning, shown to the reporter.")
