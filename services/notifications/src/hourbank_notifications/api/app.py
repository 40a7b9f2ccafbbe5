"""The notifications service's HTTP API."""

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.api import routes
from hourbank_notifications.api.limits import StreamSlots
from hourbank_notifications.handlers import CONSUMER
from hourbank_notifications.settings import NotificationsSettings
from hourbank_shared.clock import Clock
from hourbank_shared.dlq_api import dead_letter_router
from hourbank_shared.service_app import service_app


def create_app(
    settings: NotificationsSettings, sessions: sessionmaker[Session], clock: Clock | None = None
) -> FastAPI:
    app = service_app(
        title="HourBank notifications",
        distribution="hourbank-notifications",
        description="A member's notifications, their live stream and channel preferences.",
        settings=settings,
        sessions=sessions,
        clock=clock,
    )
    app.state.stream_slots = StreamSlots(settings.streams_per_member)
    app.state.preferences_max = settings.preferences_max
    app.include_router(routes.router)
    # the faust worker's dead letters: its DLQ and replay topics are named after CONSUMER too
    app.include_router(dead_letter_router(CONSUMER, settings.kafka_bootstrap_servers, settings))
    return app
