"""The disputes service's HTTP API."""

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes.api import disputes, reports, stats
from hourbank_disputes.handlers import CONSUMER, Context
from hourbank_disputes.settings import DisputesSettings
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock
from hourbank_shared.dlq_api import dead_letter_router
from hourbank_shared.service_app import service_app


def create_app(
    settings: DisputesSettings, sessions: sessionmaker[Session], clock: Clock | None = None
) -> FastAPI:
    app = service_app(
        title="HourBank disputes",
        distribution="hourbank-disputes",
        description="Disputes on requests: evidence, the admins' queue, resolutions; reports "
        "for moderation.",
        settings=settings,
        sessions=sessions,
        clock=clock,
    )
    app.state.context = Context(uow=lambda: SqlUnitOfWork(sessions), clock=app.state.clock)
    app.include_router(stats.router)  # /v1/disputes/stats before /v1/disputes/{dispute_id}
    app.include_router(disputes.router)
    app.include_router(reports.router)
    app.include_router(dead_letter_router(CONSUMER, settings.kafka_bootstrap_servers, settings))
    return app
