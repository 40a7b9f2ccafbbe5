"""The requests service's HTTP API."""

from importlib.metadata import version

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.api import members, offerings, requests
from hourbank_requests.api.errors import install_error_handlers
from hourbank_requests.handlers import Context
from hourbank_requests.settings import RequestsSettings
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth import TokenVerifier
from hourbank_shared.clock import BusinessTime, Clock, SystemClock
from hourbank_shared.operational import install_operational_routes


def create_app(
    settings: RequestsSettings, sessions: sessionmaker[Session], clock: Clock | None = None
) -> FastAPI:
    app = FastAPI(
        title="HourBank requests",
        version=version("hourbank-requests"),
        description="Members, their offerings, and the service requests between them.",
    )
    app.state.token_verifier = TokenVerifier(settings)
    app.state.sessions = sessions
    app.state.clock = clock or SystemClock()
    app.state.context = Context(
        uow=lambda: SqlUnitOfWork(sessions), time=BusinessTime(app.state.clock, settings.time_scale)
    )
    install_error_handlers(app)

    def ready() -> None:
        with sessions() as session:
            session.execute(text("SELECT 1"))

    install_operational_routes(app, ready)
    # /v1/members/me before /v1/members/{member_id}
    for router in (members.router, members.admin_router, offerings.router, requests.router):
        app.include_router(router)
    return app
