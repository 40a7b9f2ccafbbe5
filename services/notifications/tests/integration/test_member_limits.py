"""What one member can consume: live streams at once, and stored preferences."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.api import create_app
from hourbank_notifications.settings import NotificationsSettings
from hourbank_shared.auth.devtoken import dev_token

pytestmark = pytest.mark.integration
SECRET = "notifications-test-secret-0123456789abcdef"
PROBLEM = "application/problem+json"
STREAMS, PREFERENCES = 2, 4


def auth(member: UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member, SECRET)}"}


@pytest.fixture
def app(migrated_url: str, sessions: sessionmaker[Session]) -> FastAPI:
    settings = NotificationsSettings(
        database_url=migrated_url,
        jwt_secret=SECRET,
        streams_per_member=STREAMS,
        preferences_max=PREFERENCES,
    )
    return create_app(settings, sessions)


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    server.force_exit = True
    thread.join(10)


def open_stream(streams: ExitStack, url: str, member: UUID) -> httpx.Response:
    """A stream that stays open until `streams` closes."""
    response = streams.enter_context(
        httpx.stream("GET", f"{url}/v1/notifications/stream", headers=auth(member), timeout=10)
    )
    if response.status_code == 200:
        lines = response.iter_lines()
        assert next(lines).startswith(": connected")
        held.append(lines)  # dropping the line iterator would close the stream
        streams.callback(held.remove, lines)
    return response


held: list[Iterator[str]] = []


def test_a_member_holds_a_limited_number_of_streams(server: str) -> None:
    ada, bob = uuid4(), uuid4()
    with ExitStack() as streams:
        held = [open_stream(streams, server, ada) for _ in range(STREAMS)]
        assert [r.status_code for r in held] == [200] * STREAMS

        refused = open_stream(streams, server, ada)
        refused.read()
        assert refused.status_code == 429
        assert refused.headers["content-type"] == PROBLEM
        assert int(refused.headers["retry-after"]) > 0
        assert f"{STREAMS} live streams" in refused.json()["detail"]
        assert open_stream(streams, server, bob).status_code == 200

    # the streams are closed: their slots are free again once the server noticed
    deadline = time.monotonic() + 10
    while True:
        with ExitStack() as streams:
            again = [open_stream(streams, server, ada) for _ in range(STREAMS)]
            if all(r.status_code == 200 for r in again):
                break
        assert time.monotonic() < deadline, "closed streams still hold their slots"
        time.sleep(0.2)


def choices(*types: str, enabled: bool = False) -> dict[str, Any]:
    return {"preferences": [{"type": t, "channel": "email", "enabled": enabled} for t in types]}


def test_a_member_stores_a_limited_number_of_preferences(app: FastAPI) -> None:
    headers = auth(uuid4())
    with TestClient(app) as client:
        put = client.put("/v1/notifications/preferences", headers=headers, json=choices("A", "B"))
        assert put.status_code == 200

        too_many = choices(*"CDEFG")
        refused = client.put("/v1/notifications/preferences", headers=headers, json=too_many)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["max_preferences"] == PREFERENCES

        past_the_limit = choices("C", "D", "E")  # 2 stored + 3 new
        refused = client.put("/v1/notifications/preferences", headers=headers, json=past_the_limit)
        assert refused.status_code == 422
        stored = client.get("/v1/notifications/preferences", headers=headers).json()
        assert [p["type"] for p in stored["preferences"]] == ["A", "B"], "nothing changed"

        twice = choices("C")
        twice["preferences"] += choices("C", enabled=True)["preferences"]
        put = client.put("/v1/notifications/preferences", headers=headers, json=twice)
        assert put.status_code == 200, "named twice: the last one wins"
        up_to_the_limit = choices("A", "B", "C", "D")  # changes of stored ones count once
        put = client.put("/v1/notifications/preferences", headers=headers, json=up_to_the_limit)
        assert put.status_code == 200
        assert len(put.json()["preferences"]) == PREFERENCES
