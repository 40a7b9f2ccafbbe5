"""The disputes service's HTTP API."""

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes.api import disputes
from hourbank_disputes.handlers import Context
from hourbank_disputes.settings import DisputesSettings
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock
from hourbank_shared.service_app import service_app


def create_app(
    settings: DisputesSettings, sessions: sessionmaker[Session], clock: Clock | None = None
) -> FastAPI:
    app = service_app(
        title="HourBank disputes",
        distribution="hourbank-disputes",
        description="Disputes on requests: evidence, the admins' queue, resolutions.",
        settings=settings,
        sessions=sessions,
        clock=clock,
    )
    app.state.context = Context(uow=lambda: SqlUnitOfWork(sessions), clock=app.state.clock)
    app.include_router(disputes.router)
    return app
