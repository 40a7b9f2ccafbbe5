"""The one place that builds the notifications service's engine, sessions, clock and context."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.handlers import Context
from hourbank_notifications.settings import NotificationsSettings
from hourbank_notifications.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock, SystemClock
from hourbank_shared.db import make_engine, session_factory


@dataclass(frozen=True)
class Notifications:
    settings: NotificationsSettings
    engine: Engine
    sessions: sessionmaker[Session]
    context: Context


def bootstrap(
    settings: NotificationsSettings | None = None, clock: Clock | None = None
) -> Notifications:
    settings = settings or NotificationsSettings()
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    context = Context(
        uow=lambda: SqlUnitOfWork(sessions),
        clock=clock or SystemClock(),
        email_enabled=settings.email_enabled,
    )
    return Notifications(settings, engine, sessions, context)
