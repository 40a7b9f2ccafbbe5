"""Text PostgreSQL cannot store (NUL, lone surrogates, bytes that are not UTF-8) is refused
with a 422 problem naming the field, wherever it comes from; RTL marks and the like pass."""

import asyncio
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import Header, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from starlette.types import Message, Receive, Scope, Send

from hourbank_shared.errors import problem_response
from hourbank_shared.service_app import service_app
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.text_input import RefuseUnstorableText, body_errors, fault, printable
from hourbank_shared.validation import describe_errors

PROBLEM = "application/problem+json"
RTL = "\u200fעזרה\u200f \u202eplan\u202c"


class Item(BaseModel):
    name: str
    tags: list[str] = []
    extra: dict[str, Any] = {}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = ServiceSettings(database_url="sqlite://", jwt_secret="x" * 32)
    app = service_app(
        title="t",
        distribution="hourbank-shared",
        description="",
        settings=settings,
        sessions=sessionmaker(create_engine("sqlite://")),
    )

    @app.get("/things/{thing_id}")
    def thing(thing_id: UUID, q: str | None = Query(None, max_length=200)) -> dict[str, Any]:
        return {"q": q}

    @app.get("/words/{word}")
    def word(word: str) -> dict[str, str]:
        return {"word": word}

    @app.post("/things")
    def create(item: Item, key: str | None = Header(None, alias="Idempotency-Key")) -> Item:
        return item

    @app.get("/echo")
    def echo() -> Any:
        return problem_response(422, "t", "bad \ud800 here", "invalid-input", "/echo")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def refused(response: Any, detail: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == detail


def post(client: TestClient, raw: bytes, **headers: str) -> Any:
    return client.post(
        "/things", content=raw, headers={"content-type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("q=%00", "q: must not contain a NUL character"),
        ("q=ab%00cd", "q: must not contain a NUL character"),
        ("q=%ED%A0%80", "q: must be valid UTF-8 text"),
        ("q=%FF", "q: must be valid UTF-8 text"),
        ("a%00b=1", "a\\u0000b: the parameter's name must not contain a NUL character"),
    ],
)
def test_a_query_parameter(client: TestClient, query: str, detail: str) -> None:
    response = client.get(f"/things/{uuid4()}?{query}")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


def test_a_path_parameter_is_named(client: TestClient) -> None:
    refused(client.get("/things/%00"), "thing_id: must not contain a NUL character")
    response = client.get("/words/ab%ED%A0%80")
    assert response.json()["detail"].startswith("word: must be valid UTF-8")
    refused(client.get("/nowhere/%00"), "path: must not contain a NUL character")


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b'{"name": "a\\u0000b"}', "name: must not contain a NUL character"),
        (b'{"name": "a\\uD800b"}', "name: must be valid UTF-8 text"),
        (b'{"name": "ok", "tags": ["x", "\\udfff"]}', "tags.1: must be valid UTF-8 text"),
        (b'{"name": "ok", "extra": {"k\\u0000": 1}}', "extra.k\\u0000: the field's name must"),
        (b'{"name": "a\xed\xa0\x80"}', "request body: must be valid UTF-8 text"),
        (b'{"name": "a\xff"}', "request body: must be valid UTF-8 text"),
        (b'{"name": "a\x00"}', "request body: must not contain a NUL character"),
    ],
)
def test_a_json_body(client: TestClient, raw: bytes, detail: str) -> None:
    response = post(client, raw)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(detail)


def test_every_bad_field_is_named_once(client: TestClient) -> None:
    response = post(client, b'{"name": "\\u0000", "tags": ["\\ud800", "ok", "\\u0000"]}')
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "name"],
        ["body", "tags", 0],
        ["body", "tags", 2],
    ]


def test_an_escaped_backslash_is_no_nul(client: TestClient) -> None:
    response = post(client, b'{"name": "a\\\\u0000b"}')
    assert response.status_code == 200
    assert response.json()["name"] == "a\\u0000b"


def test_a_header_holding_a_nul(client: TestClient) -> None:
    response = client.get(f"/things/{uuid4()}", headers={"Idempotency-Key": "a\x00b"})
    refused(response, "idempotency-key header: must not contain a NUL character")


def test_rtl_marks_and_other_text_pass(client: TestClient) -> None:
    assert client.get(f"/things/{uuid4()}", params={"q": RTL}).json() == {"q": RTL}
    assert client.get(f"/words/{RTL}").json() == {"word": RTL}
    body = {"name": RTL, "tags": ["ü", "日本", "😀"]}
    assert client.post("/things", json=body).json()["tags"] == ["ü", "日本", "😀"]


def test_a_body_in_chunks_reaches_the_app_whole_then_the_disconnect() -> None:
    chunks = [b'{"name": ', b'"split"', b"}"]
    incoming: list[Message] = [
        *({"type": "http.request", "body": c, "more_body": True} for c in chunks),
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},
    ]
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.extend([await receive(), await receive()])

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        raise AssertionError("nothing refused")

    scope = {"type": "http", "path": "/t", "raw_path": b"/t", "query_string": b"",
             "headers": [(b"transfer-encoding", b"chunked")]}  # fmt: skip
    asyncio.run(RefuseUnstorableText(app)(scope, receive, send))
    assert seen == [
        {"type": "http.request", "body": b'{"name": "split"}', "more_body": False},
        {"type": "http.disconnect"},
    ]


def test_a_body_that_is_not_json_is_left_to_the_route(client: TestClient) -> None:
    response = post(client, b"\x00\xff", **{"content-type": "application/octet-stream"})
    assert response.status_code == 422
    assert "NUL" not in response.json()["detail"]


def test_a_megabyte_string_gets_the_fields_own_answer(client: TestClient) -> None:
    response = client.get(f"/things/{uuid4()}", params={"q": "x" * 60_000})
    assert response.json()["detail"] == "q: String should have at most 200 characters"


def test_a_problem_holding_a_surrogate_still_renders() -> None:
    body = problem_response(422, "t", "bad \ud800", "invalid-input", "/x").body
    assert b"\\ud800" in body


def test_fault_and_printable() -> None:
    assert fault("plain \u200f text") is None
    assert fault("a\x00") == "must not contain a NUL character"
    assert printable("a\x00b\udc80") == "a\\u0000b\\udc80"
    assert body_errors(b'{"a": "\\\\u0000"}') == []


def test_long_messages_and_names_are_cut() -> None:
    detail = describe_errors([{"loc": ["body", "k" * 500], "msg": "m" * 5000}])
    assert len(detail) < 500
