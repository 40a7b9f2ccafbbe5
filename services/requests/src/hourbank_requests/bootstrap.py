"""The one place that builds the requests service's engine, sessions, clock and context."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.handlers import Context
from hourbank_requests.settings import RequestsSettings
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import BusinessTime, Clock, SystemClock
from hourbank_shared.db import make_engine, session_factory


@dataclass(frozen=True)
class Requests:
    settings: RequestsSettings
    engine: Engine
    sessions: sessionmaker[Session]
    context: Context


def bootstrap(settings: RequestsSettings | None = None, clock: Clock | None = None) -> Requests:
    """`clock`, for tests, is the time of everything, deadlines included; without it the
    process's clock stamps what it does and the database's says which deadline is due."""
    settings = settings or RequestsSettings()
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    time = BusinessTime(clock or SystemClock(), settings.time_scale)
    context = Context(
        uow=lambda: SqlUnitOfWork(sessions),
        time=time,
        escrow_answer_within=timedelta(seconds=settings.escrow_answer_seconds),
        deadline_clock=clock,  # None: deadlines fall due by the database's clock
    )
    return Requests(settings, engine, sessions, context)
