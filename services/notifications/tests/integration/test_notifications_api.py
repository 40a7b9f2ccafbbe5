import json
import socket
import threading
import time
from collections.abc import Iterator
from uuid import UUID, uuid4

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.api import create_app
from hourbank_notifications.handlers import Context, notify
from hourbank_notifications.settings import NotificationsSettings
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope

from ..events import Story

pytestmark = pytest.mark.integration
SECRET = "notifications-test-secret-0123456789abcdef"


def deliver(ctx: Context, event: Event) -> list[UUID]:
    envelope = Envelope.wrap(event, source="/hourbank/test")
    return notify(ctx, envelope, envelope.payload(type(event)))


def auth(member: UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member, SECRET)}"}


@pytest.fixture
def app(migrated_url: str, sessions: sessionmaker[Session]) -> FastAPI:
    settings = NotificationsSettings(database_url=migrated_url, jwt_secret=SECRET)
    return create_app(settings, sessions)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_a_member_lists_reads_and_counts_only_their_own(ctx: Context, client: TestClient) -> None:
    story = Story()
    deliver(ctx, story.awaiting_response())
    for event in (story.accepted(), story.started(), story.paid()):
        deliver(ctx, event)
    requester = auth(story.requester)

    page = client.get("/v1/notifications", headers=requester, params={"limit": 2}).json()
    assert [n["type"] for n in page["items"]] == ["REQUEST_PAID", "REQUEST_STARTED"]
    rest = client.get(
        "/v1/notifications", headers=requester, params={"cursor": page["next_cursor"]}
    ).json()
    assert [n["type"] for n in rest["items"]] == ["REQUEST_ACCEPTED"]
    assert rest["next_cursor"] is None
    assert client.get("/v1/notifications/unread-count", headers=requester).json() == {"unread": 3}

    first = page["items"][0]
    read = client.post(f"/v1/notifications/{first['id']}/read", headers=requester)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    unread = client.get("/v1/notifications", headers=requester, params={"unread_only": True})
    assert [n["type"] for n in unread.json()["items"]] == ["REQUEST_STARTED", "REQUEST_ACCEPTED"]

    provider_sees = client.get("/v1/notifications", headers=auth(story.provider)).json()
    assert first["id"] not in {n["id"] for n in provider_sees["items"]}
    stranger = client.post(f"/v1/notifications/{first['id']}/read", headers=auth(story.provider))
    assert stranger.status_code == 404
    assert stranger.headers["content-type"] == "application/problem+json"
    other = provider_sees["items"][0]["id"]
    assert client.post(f"/v1/notifications/{other}/read", headers=requester).status_code == 404

    assert client.post("/v1/notifications/read-all", headers=requester).json() == {"marked": 2}
    assert client.get("/v1/notifications/unread-count", headers=requester).json() == {"unread": 0}
    provider_count = client.get("/v1/notifications/unread-count", headers=auth(story.provider))
    assert provider_count.json() == {"unread": 3}


def test_without_a_token_401_and_a_bad_cursor_422(client: TestClient) -> None:
    assert client.get("/v1/notifications").status_code == 401
    bad = client.get("/v1/notifications", headers=auth(uuid4()), params={"cursor": "nope"})
    assert bad.status_code == 422


def test_preferences_turn_a_type_off_for_a_channel(ctx: Context, client: TestClient) -> None:
    story = Story()
    headers = auth(story.provider)
    assert client.get("/v1/notifications/preferences", headers=headers).json() == {
        "preferences": []
    }
    body = {"preferences": [{"type": "REQUEST_RECEIVED", "channel": "in_app", "enabled": False}]}
    put = client.put("/v1/notifications/preferences", headers=headers, json=body)
    assert put.status_code == 200
    assert put.json() == body
    body["preferences"][0]["enabled"] = True
    body["preferences"].append({"type": "REQUEST_PAID", "channel": "email", "enabled": False})
    assert client.put("/v1/notifications/preferences", headers=headers, json=body).json() == {
        "preferences": sorted(body["preferences"], key=lambda p: (p["type"], p["channel"]))
    }
    wrong = {"preferences": [{"type": "REQUEST_PAID", "channel": "sms", "enabled": False}]}
    assert (
        client.put("/v1/notifications/preferences", headers=headers, json=wrong).status_code == 422
    )

    off = {"preferences": [{"type": "REQUEST_RECEIVED", "channel": "in_app", "enabled": False}]}
    client.put("/v1/notifications/preferences", headers=headers, json=off)
    assert deliver(ctx, story.awaiting_response()) == []


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


def test_an_sse_client_receives_a_new_notification_within_a_second(
    ctx: Context, server: str
) -> None:
    story = Story()
    deliver(ctx, story.awaiting_response())  # before connecting: not streamed
    received: list[tuple[dict[str, object], float]] = []
    connected = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET", f"{server}/v1/notifications/stream", headers=auth(story.provider), timeout=10
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith(": connected"):
                    connected.set()
                if line.startswith("data: "):
                    received.append((json.loads(line.removeprefix("data: ")), time.monotonic()))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(5)
    deliver(ctx, story.accepted())  # for the requester: not this member's stream
    started = time.monotonic()
    (created,) = deliver(ctx, Story(story.requester, story.provider).awaiting_response())
    listener.join(5)

    assert len(received) == 1
    notification, at = received[0]
    assert notification["id"] == str(created)
    assert notification["type"] == "REQUEST_RECEIVED"
    assert at - started < 1.0
