"""Commands and reactions of moderation: filing and resolving reports, learning offerings.

Commands run inside the caller's unit of work (the API adds its idempotency record and commits
once). The reaction to an offering event owns its unit of work: the provider remembered (the
first time only), one commit.
"""

import logging
from uuid import UUID, uuid4

from hourbank_disputes.domain.dispute import Caller
from hourbank_disputes.domain.errors import NotVisible
from hourbank_disputes.domain.report import Report, Subject
from hourbank_disputes.handlers import Context, waited_for
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.contracts.enums import ReportAction, ReportReason, ReportSubject
from hourbank_shared.contracts.offerings import OfferingEvent
from hourbank_shared.envelope import Envelope

log = logging.getLogger(__name__)


def file_report(
    ctx: Context,
    uow: SqlUnitOfWork,
    reporter: Caller,
    subject_type: ReportSubject,
    subject_id: UUID,
    reason: ReportReason,
    text: str,
) -> tuple[Report, bool]:
    """The new report and True; or the reporter's open report on the same subject and False
    (a second report collapses into the first while it is open)."""
    open_already = uow.reports.open_one(reporter.member_id, subject_type, subject_id)
    if open_already is not None:
        existing = uow.reports.get(open_already)
        assert existing is not None
        return existing, False
    subject = Subject(subject_type, subject_id, _member_behind(ctx, uow, subject_type, subject_id))
    report = Report.file(uuid4(), reporter, subject, reason, text, ctx.clock.now())
    uow.reports.add(report)
    uow.publish(report)
    return report, True


def _member_behind(
    ctx: Context, uow: SqlUnitOfWork, subject_type: ReportSubject, subject_id: UUID
) -> UUID | None:
    """The member reported, or the offering's provider. An offering not seen yet is waited
    for a moment (the member may have read it before its event reached us); if it is still
    unknown the report is filed without its provider, who is named when the offering's
    first event arrives."""
    if subject_type is ReportSubject.MEMBER:
        return subject_id
    return waited_for(ctx, lambda: uow.offerings.provider_of(subject_id))


def resolve_report(
    ctx: Context, uow: SqlUnitOfWork, report_id: UUID, admin: UUID, action: ReportAction, note: str
) -> Report:
    report = uow.reports.lock(report_id)
    if report is None:
        raise NotVisible(f"no report {report_id}")
    loaded = report.version
    report.resolve(admin, action, note, ctx.clock.now())
    uow.reports.save(report, loaded)
    uow.publish(report)
    return report


def when_offering_seen(ctx: Context, envelope: Envelope, event: OfferingEvent) -> None:
    """Any offering event names its provider, which never changes: remember it once. No inbox
    claim: learning is idempotent by itself (the first row wins, a redelivery changes nothing)."""
    with ctx.uow() as uow:
        if uow.offerings.learn(event.offering_id, event.provider_id):
            log.debug("offering %s is provided by %s (%s)", event.offering_id, event.provider_id,
                      envelope.type)  # fmt: skip
        uow.commit()
