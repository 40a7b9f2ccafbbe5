"""Reports for moderation: members report an offering or a member; admins resolve them.

Each POST commits once, with its answer remembered for its Idempotency-Key. The action an admin
decides is carried out by the requests service, which owns offerings and members, when it reads
`report.resolved` (docs/moderation.md).
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from hourbank_disputes.api.dependencies import ReadSession, UnitOfWork
from hourbank_disputes.api.disputes import Admin, Ctx, CurrentCaller
from hourbank_disputes.api.report_queries import report_view, reports_of
from hourbank_disputes.api.report_schemas import ReportIn, ReportView, ResolveReportIn
from hourbank_disputes.report_handlers import file_report, resolve_report
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.commands import run_once
from hourbank_shared.contracts.enums import ReportStatus
from hourbank_shared.idempotency import IdempotencyKey
from hourbank_shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/reports", tags=["reports"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such report, or the caller did not file it (problem+json)"}
}


@router.post(
    "",
    status_code=201,
    response_model=ReportView,
    responses={
        200: {"model": ReportView, "description": "Collapsed into the caller's open report on "
              "the same subject, which is returned unchanged"},
        422: {"description": "Reporting oneself or one's own offering (problem+json)"},
    },
)  # fmt: skip
def file(
    body: ReportIn, caller: CurrentCaller, idempotency: IdempotencyKey, uow: UnitOfWork, ctx: Ctx
) -> Response:
    """Report an offering or a member to the admins. While the caller's earlier report on the
    same subject is open, a new one collapses into it (200 with that report)."""

    def command(u: SqlUnitOfWork) -> tuple[int, BaseModel]:
        report, created = file_report(
            ctx, u, caller, body.subject_type, body.subject_id, body.reason, body.text
        )
        return (201 if created else 200), ReportView.of(report)

    return run_once(uow, idempotency, command)


@router.get("")
def list_reports(
    caller: CurrentCaller,
    session: ReadSession,
    status: Annotated[list[ReportStatus] | None, Query(description="Any of these")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReportView]:
    """The caller's own reports; for admins, every report (the moderation queue). Newest first."""
    return reports_of(session, caller, tuple(status or ()), limit, cursor)


@router.get("/{report_id}", responses=NOT_FOUND)
def get_report(report_id: UUID, caller: CurrentCaller, session: ReadSession) -> ReportView:
    """One report, for its reporter and admins."""
    return report_view(session, report_id, caller)


@router.post(
    "/{report_id}/resolve",
    response_model=ReportView,
    responses={
        **NOT_FOUND,
        403: {"description": "Not an admin, or an admin the report concerns (problem+json)"},
        409: {"description": "Already resolved, named in `current_status`"},
        422: {"description": "An action that does not apply to the subject (problem+json)"},
    },
)
def resolve(
    report_id: UUID,
    body: ResolveReportIn,
    admin: Admin,
    idempotency: IdempotencyKey,
    uow: UnitOfWork,
    ctx: Ctx,
) -> Response:
    """Admins only: decide on an open report. WITHDRAW_OFFERING and SUSPEND_MEMBER are carried
    out by the requests service; the reporter is told the outcome."""

    def command(u: SqlUnitOfWork) -> tuple[int, BaseModel]:
        report = resolve_report(ctx, u, report_id, admin.member_id, body.action, body.note)
        return 200, ReportView.of(report)

    return run_once(uow, idempotency, command)
