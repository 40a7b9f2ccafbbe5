"""The requests service's HTTP API."""

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.api import members, offerings, requests
from hourbank_requests.handlers import Context
from hourbank_requests.settings import RequestsSettings
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import BusinessTime, Clock
from hourbank_shared.service_app import service_app


def create_app(
    settings: RequestsSettings, sessions: sessionmaker[Session], clock: Clock | None = None
) -> FastAPI:
    app = service_app(
        title="HourBank requests",
        distribution="hourbank-requests",
        description="Members, their offerings, and the service requests between them.",
        settings=settings,
        sessions=sessions,
        clock=clock,
    )
    app.state.context = Context(
        uow=lambda: SqlUnitOfWork(sessions), time=BusinessTime(app.state.clock, settings.time_scale)
    )
    # /v1/members/me before /v1/members/{member_id}
    for router in (members.router, members.admin_router, offerings.router, requests.router):
        app.include_router(router)
    return app
