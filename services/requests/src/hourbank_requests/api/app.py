"""The requests service's HTTP API."""

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters.submit_backlog import SqlSubmitBacklog
from hourbank_requests.api import members, offerings, requests, stats
from hourbank_requests.api.changes import RequestChanges
from hourbank_requests.handlers import CONSUMER, Context
from hourbank_requests.load_shedding import SubmitGate
from hourbank_requests.settings import RequestsSettings
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import BusinessTime, Clock
from hourbank_shared.dlq_api import dead_letter_router
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
    app.state.offering_review = settings.offering_review
    app.state.request_changes = RequestChanges(settings.database_url)
    app.state.submit_gate = SubmitGate(
        SqlSubmitBacklog(sessions),
        settings.submit_backlog_limit,
        settings.submit_backlog_refresh_seconds,
    )
    app.include_router(stats.router)  # /v1/requests/stats before /v1/requests/{request_id}
    # /v1/members/me before /v1/members/{member_id}
    for router in (members.router, members.admin_router, offerings.router, requests.router):
        app.include_router(router)
    app.include_router(dead_letter_router(CONSUMER, settings.kafka_bootstrap_servers, settings))
    return app
