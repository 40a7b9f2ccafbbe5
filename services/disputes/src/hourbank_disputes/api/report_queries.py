"""The read side of reports: a member's own, every report for admins, one report.

Only the reporter and admins see a report (anyone else gets the 404 of one that does not
exist); the reported member is told of an action, never of who reported them.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.adapters.report_repositories import SqlReports, report_from_row
from hourbank_disputes.api.report_schemas import ReportView
from hourbank_disputes.domain.dispute import Caller
from hourbank_disputes.domain.errors import NotVisible
from hourbank_shared.contracts.enums import ReportStatus
from hourbank_shared.keyset import newest_first, page_of
from hourbank_shared.pagination import Page


def reports_of(
    session: Session,
    caller: Caller,
    statuses: tuple[ReportStatus, ...],
    limit: int,
    cursor: str | None,
) -> Page[ReportView]:
    """The member's own reports; every report for an admin. Newest first."""
    c = t.reports.c
    query = select(t.reports)
    if not caller.is_admin:
        query = query.where(c.reporter_id == caller.member_id)
    if statuses:
        query = query.where(c.status.in_([str(status) for status in statuses]))
    rows = session.execute(newest_first(query, c.created_at, c.id, limit, cursor)).all()
    return page_of(rows, limit, _view, _position)


def report_view(session: Session, report_id: UUID, caller: Caller) -> ReportView:
    """The report as stored, or as changed so far in the session's transaction."""
    report = SqlReports(session).get(report_id)
    if report is None:
        raise NotVisible(f"no report {report_id}")
    report.visible_to(caller)
    return ReportView.of(report)


def _view(row: Row[Any]) -> ReportView:
    return ReportView.of(report_from_row(row))


def _position(view: ReportView) -> tuple[datetime, UUID]:
    return view.created_at, view.id
