"""The one place that builds the escrow service's engine, sessions, clock and context."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.handlers import Context
from hourbank_escrow.settings import EscrowSettings
from hourbank_escrow.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock, SystemClock
from hourbank_shared.db import make_engine, session_factory


@dataclass(frozen=True)
class Escrow:
    settings: EscrowSettings
    engine: Engine
    sessions: sessionmaker[Session]
    context: Context


def bootstrap(settings: EscrowSettings | None = None, clock: Clock | None = None) -> Escrow:
    settings = settings or EscrowSettings()
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    context = Context(
        uow=lambda: SqlUnitOfWork(sessions),
        clock=clock or SystemClock(),
        welcome_bonus=settings.welcome_bonus,
        default_credit_limit=settings.default_credit_limit,
    )
    return Escrow(settings, engine, sessions, context)
