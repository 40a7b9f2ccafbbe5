import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.handlers import Context
from hourbank_notifications.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import SystemClock
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.migrations import upgrade

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"


@pytest.fixture
def migrated_url(database_url: str) -> str:
    upgrade(ALEMBIC_INI, database_url, quiet=True)
    return database_url


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url, pool_size=4)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def ctx(sessions: sessionmaker[Session]) -> Context:
    return Context(uow=lambda: SqlUnitOfWork(sessions), clock=SystemClock(), email_enabled=True)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()
