"""The notifications service's unit of work: its repositories on the shared unit of work."""

from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables
from hourbank_notifications.adapters.repositories import (
    SqlContacts,
    SqlDeliveries,
    SqlMembers,
    SqlNotifications,
    SqlPreferences,
)
from hourbank_shared import unit_of_work

SOURCE = "/hourbank/notifications"
TABLES = unit_of_work.MessagingTables(tables.inbox, tables.outbox, tables.idempotency)


class SqlUnitOfWork(unit_of_work.SqlUnitOfWork):
    notifications: SqlNotifications
    members: SqlMembers
    contacts: SqlContacts
    preferences: SqlPreferences
    deliveries: SqlDeliveries

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, TABLES, SOURCE)

    def open_repositories(self, session: Session) -> None:
        self.notifications = SqlNotifications(session)
        self.members = SqlMembers(session)
        self.contacts = SqlContacts(session)
        self.preferences = SqlPreferences(session)
        self.deliveries = SqlDeliveries(session)
