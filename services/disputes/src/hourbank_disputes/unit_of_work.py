"""The disputes service's unit of work: its repositories on the shared unit of work."""

from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes.adapters import tables
from hourbank_disputes.adapters.dispute_repositories import SqlDisputes, SqlRequestProjection
from hourbank_disputes.adapters.report_repositories import SqlOfferingProviders, SqlReports
from hourbank_shared import unit_of_work

SOURCE = "/hourbank/disputes"
TABLES = unit_of_work.MessagingTables(tables.inbox, tables.outbox, tables.idempotency)


class SqlUnitOfWork(unit_of_work.SqlUnitOfWork):
    disputes: SqlDisputes
    requests: SqlRequestProjection
    reports: SqlReports
    offerings: SqlOfferingProviders

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, TABLES, SOURCE)

    def open_repositories(self, session: Session) -> None:
        self.disputes = SqlDisputes(session)
        self.requests = SqlRequestProjection(session)
        self.reports = SqlReports(session)
        self.offerings = SqlOfferingProviders(session)
