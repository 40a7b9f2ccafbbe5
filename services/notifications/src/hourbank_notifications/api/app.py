"""The notifications service's HTTP API."""

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.api import routes
from hourbank_notifications.api.limits import StreamSlots
from hourbank_notifications.settings import NotificationsSettings
from hourbank_shared.clock import Clock
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
    return app
