"""Reports, and the providers of the offerings disputes has seen, in PostgreSQL."""

from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.domain.report import Report, Subject
from hourbank_shared.contracts.enums import ReportAction, ReportReason, ReportStatus, ReportSubject
from hourbank_shared.db import update_versioned


class SqlOfferingProviders:
    """Who provides each offering disputes has seen on the requests topic. A provider never
    changes, so a row, once there, is final and may be decided on."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def provider_of(self, offering_id: UUID) -> UUID | None:
        query = select(t.offering_providers.c.provider_id).where(
            t.offering_providers.c.offering_id == offering_id
        )
        return self._session.execute(query).scalar()

    def learn(self, offering_id: UUID, provider_id: UUID) -> bool:
        """Remember the provider of an offering seen for the first time, and name them on the
        reports filed before we knew; False if the offering was known already."""
        statement = pg_insert(t.offering_providers).values(
            offering_id=offering_id, provider_id=provider_id
        )
        result = self._session.execute(statement.on_conflict_do_nothing())
        if not getattr(result, "rowcount", 0):
            return False
        r = t.reports.c
        self._session.execute(
            update(t.reports)
            .where(
                r.subject_type == str(ReportSubject.OFFERING),
                r.subject_id == offering_id,
                r.subject_member_id.is_(None),
            )
            .values(subject_member_id=provider_id)
        )
        return True


class SqlReports:
    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self, report_id: UUID) -> Report | None:
        query = select(t.reports).where(t.reports.c.id == report_id).with_for_update()
        row = self._session.execute(query).first()
        return report_from_row(row) if row is not None else None

    def get(self, report_id: UUID) -> Report | None:
        row = self._session.execute(select(t.reports).where(t.reports.c.id == report_id)).first()
        return report_from_row(row) if row is not None else None

    def open_one(
        self, reporter_id: UUID, subject_type: ReportSubject, subject_id: UUID
    ) -> UUID | None:
        """The reporter's open report on the subject, after waiting for any other filing of
        the same reporter and subject to commit (a transaction lock on their key), so two
        racing filings collapse into one report instead of one failing."""
        key = f"report:{reporter_id}:{subject_type}:{subject_id}"
        self._session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
        r = t.reports.c
        query = select(r.id).where(
            r.reporter_id == reporter_id,
            r.subject_type == str(subject_type),
            r.subject_id == subject_id,
            r.status == str(ReportStatus.OPEN),
        )
        return self._session.execute(query).scalar()

    def add(self, report: Report) -> None:
        self._session.execute(
            insert(t.reports).values(
                id=report.id,
                reporter_id=report.reporter_id,
                subject_type=str(report.subject.type),
                subject_id=report.subject.id,
                reason=str(report.reason),
                text=report.text,
                created_at=report.created_at,
                **_changing(report),
            )
        )

    def save(self, report: Report, loaded_version: int) -> None:
        if report.version != loaded_version:
            key = {"id": report.id}
            update_versioned(self._session, t.reports, key, loaded_version, _changing(report))


def _changing(report: Report) -> dict[str, object]:
    return {
        "subject_member_id": report.subject.member_id,
        "status": str(report.status),
        "action": str(report.action) if report.action is not None else None,
        "note": report.note,
        "resolved_by": report.resolved_by,
        "resolved_at": report.resolved_at,
        "version": report.version,
    }


def report_from_row(row: Row[Any]) -> Report:
    m = row._mapping
    subject = Subject(ReportSubject(m["subject_type"]), m["subject_id"], m["subject_member_id"])
    return Report(
        id=m["id"],
        reporter_id=m["reporter_id"],
        subject=subject,
        reason=ReportReason(m["reason"]),
        text=m["text"],
        created_at=m["created_at"],
        status=ReportStatus(m["status"]),
        action=ReportAction(m["action"]) if m["action"] else None,
        note=m["note"],
        resolved_at=m["resolved_at"],
        resolved_by=m["resolved_by"],
        version=m["version"],
    )
