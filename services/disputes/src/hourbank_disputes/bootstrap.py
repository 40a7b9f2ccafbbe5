"""The one place that builds the disputes service's engine, sessions, clock and context."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes.handlers import Context
from hourbank_disputes.settings import DisputesSettings
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock, SystemClock
from hourbank_shared.db import make_engine, session_factory


@dataclass(frozen=True)
class Disputes:
    settings: DisputesSettings
    engine: Engine
    sessions: sessionmaker[Session]
    context: Context


def bootstrap(settings: DisputesSettings | None = None, clock: Clock | None = None) -> Disputes:
    settings = settings or DisputesSettings()
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    context = Context(uow=lambda: SqlUnitOfWork(sessions), clock=clock or SystemClock())
    return Disputes(settings, engine, sessions, context)
