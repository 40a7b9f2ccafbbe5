"""The requests service's unit of work: its repositories on the shared unit of work."""

from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_requests.adapters.member_repositories import SqlMembers, SqlOfferings
from hourbank_requests.adapters.request_repositories import SqlRatings, SqlRequests
from hourbank_shared import unit_of_work

SOURCE = "/hourbank/requests"
TABLES = unit_of_work.MessagingTables(tables.inbox, tables.outbox, tables.idempotency)


class SqlUnitOfWork(unit_of_work.SqlUnitOfWork):
    members: SqlMembers
    offerings: SqlOfferings
    requests: SqlRequests
    ratings: SqlRatings

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, TABLES, SOURCE)

    def open_repositories(self, session: Session) -> None:
        self.members = SqlMembers(session)
        self.offerings = SqlOfferings(session)
        self.requests = SqlRequests(session)
        self.ratings = SqlRatings(session)
