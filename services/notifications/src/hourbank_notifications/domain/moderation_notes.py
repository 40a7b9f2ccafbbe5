"""Who hears of moderation, and what they read. Pure; no I/O.

The admins hear of a new report; the reporter of the decision, whatever it is; the member behind
the subject only of an action taken, from the event of the service that carried it out (an
offering withdrawn by an admin here, a suspension with the member events), never of who reported
them.
"""

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from hourbank_notifications.domain.notes import Note
from hourbank_shared.contracts import offerings, reports
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import ReportAction, ReportSubject

OUTCOMES = {
    ReportAction.DISMISS: "no action was taken",
    ReportAction.WITHDRAW_OFFERING: "the offering is withdrawn",
    ReportAction.SUSPEND_MEMBER: "the member is suspended",
}


def report_filed(e: reports.ReportFiled, admins: Sequence[UUID]) -> list[Note]:
    what = "an offering" if e.subject_type is ReportSubject.OFFERING else "a member"
    return [Note(admin, "REPORT_NEW", "New report to review", f"{e.reason} report on {what}: "
                 f"{e.text}", e.report_id) for admin in dict.fromkeys(admins)
            if admin != e.subject_member_id]  # fmt: skip


def report_resolved(e: reports.ReportResolved, _: Sequence[UUID]) -> list[Note]:
    return [Note(e.reporter_id, "REPORT_RESOLVED", "Your report was reviewed",
                 f"An admin reviewed your {e.reason} report: {OUTCOMES[e.action]}. {e.note}",
                 e.report_id)]  # fmt: skip


def offering_withdrawn(e: offerings.OfferingWithdrawn, _: Sequence[UUID]) -> list[Note]:
    """Only a moderation withdrawal: a provider who withdrew their own offering knows."""
    if not e.by_admin:
        return []
    return [Note(e.provider_id, "OFFERING_WITHDRAWN", "Offering withdrawn",
                 f"An admin withdrew “{e.title}”. {e.reason or ''}".strip(),
                 e.offering_id)]  # fmt: skip


MODERATION: dict[type[Event], Callable[[Any, Sequence[UUID]], list[Note]]] = {
    reports.ReportFiled: report_filed,
    reports.ReportResolved: report_resolved,
    offerings.OfferingWithdrawn: offering_withdrawn,
}
