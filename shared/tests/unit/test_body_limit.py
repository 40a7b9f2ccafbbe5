"""Request bodies beyond the route's limit get 413 problem+json, before they are read whole."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from starlette.types import Message, Receive, Scope, Send

from hourbank_shared.body_limit import DEFAULT_LIMIT, LimitRequestBody, body_limit
from hourbank_shared.service_app import service_app
from hourbank_shared.settings import ServiceSettings

PROBLEM = "application/problem+json"
LIMIT = 1024


class Note(BaseModel):
    text: str


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = ServiceSettings(
        database_url="sqlite://", jwt_secret="x" * 32, max_request_body_bytes=LIMIT
    )
    app = service_app(
        title="t",
        distribution="hourbank-shared",
        description="",
        settings=settings,
        sessions=sessionmaker(create_engine("sqlite://")),
    )

    @app.post("/notes")
    def note(body: Note) -> dict[str, int]:
        return {"length": len(body.text)}

    @app.post("/files", openapi_extra=body_limit(4 * LIMIT))
    async def upload(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def chunks(total: int, size: int = 256) -> Iterator[bytes]:
    """A body sent without Content-Length (chunked)."""
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def assert_too_large(response: Any, limit: int) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["max_bytes"] == limit
    assert f"({limit} bytes)" in problem["detail"]


def test_a_body_within_the_limit_passes(client: TestClient) -> None:
    text = "a" * (LIMIT - 20)
    assert client.post("/notes", json={"text": text}).json() == {"length": LIMIT - 20}


def test_a_declared_length_beyond_the_limit_is_refused(client: TestClient) -> None:
    response = client.post("/notes", json={"text": "a" * LIMIT})
    assert_too_large(response, LIMIT)
    assert response.headers["connection"] == "close"


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream"])
def test_a_chunked_body_is_counted_as_it_arrives(client: TestClient, content_type: str) -> None:
    headers = {"content-type": content_type}
    response = client.post("/files", content=chunks(5 * LIMIT), headers=headers)
    assert_too_large(response, 4 * LIMIT)
    small = client.post("/files", content=chunks(3 * LIMIT), headers=headers)
    assert small.json() == {"length": 3 * LIMIT}
    # read by FastAPI for the route's model, which makes a failed read a 400 of its own
    assert_too_large(client.post("/notes", content=chunks(2 * LIMIT), headers=headers), LIMIT)


def test_a_route_declares_a_bigger_limit_of_its_own(client: TestClient) -> None:
    assert client.post("/files", content=b"x" * (3 * LIMIT)).json() == {"length": 3 * LIMIT}
    assert_too_large(client.post("/files", content=b"x" * (5 * LIMIT)), 4 * LIMIT)
    assert_too_large(client.post("/notes", content=b"x" * (3 * LIMIT)), LIMIT)
    operation = client.get("/openapi.json").json()["paths"]["/files"]["post"]
    assert operation["x-body-limit"] == 4 * LIMIT


def test_the_default_limit_is_64_kib() -> None:
    assert DEFAULT_LIMIT == 64 * 1024
    assert ServiceSettings(database_url="x", jwt_secret="x" * 32).max_request_body_bytes == (
        DEFAULT_LIMIT
    )


class Recorder:
    """An ASGI conversation: what the app was sent, and how much body it was asked for."""

    def __init__(self, body_chunks: int) -> None:
        self.left = body_chunks
        self.reads = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        self.reads += 1
        self.left -= 1
        return {"type": "http.request", "body": b"y" * 100, "more_body": self.left > 0}

    async def send(self, message: Message) -> None:
        self.sent.append(message)


async def reading_app(scope: Scope, receive: Receive, send: Send) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"read it all"})


def scope_with(headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": "POST", "path": "/x", "headers": headers}


def test_a_declared_length_is_refused_without_reading_a_byte() -> None:
    recorder = Recorder(body_chunks=10**6)
    middleware = LimitRequestBody(reading_app, default_limit=1000)
    scope = scope_with([(b"content-length", b"100000000")])

    asyncio.run(middleware(scope, recorder.receive, recorder.send))

    assert recorder.reads == 0
    assert recorder.sent[0]["status"] == 413


def test_a_stream_is_refused_as_soon_as_it_passes_the_limit() -> None:
    recorder = Recorder(body_chunks=10**6)
    middleware = LimitRequestBody(reading_app, default_limit=1000)
    scope = scope_with([(b"transfer-encoding", b"chunked")])

    asyncio.run(middleware(scope, recorder.receive, recorder.send))

    assert recorder.reads == 11, "1,100 bytes read of a body that never ends"
    assert [m["status"] for m in recorder.sent if m["type"] == "http.response.start"] == [413]
