"""Requests sent straight to an app over ASGI, as raw bytes.

An HTTP client cannot send what the fuzz needs: httpx refuses URLs over 64 KiB and cannot encode
a lone surrogate. Here the query, path and headers are percent- or UTF-8-encoded with
`surrogatepass`, the way a client sends such text as bytes, and the path is decoded as uvicorn
decodes it. A streaming answer (the live notifications) is read up to its status, then the
client disconnects.
"""

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from anyio.from_thread import BlockingPortal
from starlette.types import ASGIApp, Message

ANSWER_WITHIN_SECONDS = 30.0
PROBLEM_JSON = "application/problem+json"


def as_bytes(text: str) -> bytes:
    """The text as a client sends it: UTF-8, with lone surrogates encoded as they stand."""
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    """With `{name}` placeholders, filled from `path_params`."""
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    """A JSON document, or None for no body."""
    raw_utf8_body: bool = False
    """Send the body as raw UTF-8 (surrogates as bytes), not as ASCII with `\\u` escapes."""

    def raw_path(self) -> bytes:
        path = self.path
        for name, value in self.path_params.items():
            path = path.replace(f"{{{name}}}", quote(as_bytes(value), safe=""))
        return path.encode("ascii")

    def query_string(self) -> bytes:
        pairs = (
            f"{quote_plus(as_bytes(k))}={quote_plus(as_bytes(v))}" for k, v in self.query.items()
        )
        return "&".join(pairs).encode("ascii")

    def body_bytes(self) -> bytes:
        if self.body is None:
            return b""
        if self.raw_utf8_body:
            return as_bytes(json.dumps(self.body, ensure_ascii=False))
        return json.dumps(self.body).encode("ascii")


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def describe(self) -> str:
        return f"{self.status} {self.content_type}: {self.body[:300]!r}"


@dataclass
class Driver:
    """Calls one app on the portal's event loop, and counts the calls."""

    app: ASGIApp
    portal: BlockingPortal
    sent: Counter[str] = field(default_factory=Counter)

    def __call__(self, call: Call, token: str | None = None) -> Answer:
        self.sent[f"{call.method} {call.path}"] += 1
        headers = [(k.lower().encode("latin-1"), as_bytes(v)) for k, v in call.headers.items()]
        if token is not None:
            headers.append((b"authorization", f"Bearer {token}".encode("ascii")))
        body = call.body_bytes()
        if call.body is not None:
            headers.append((b"content-type", b"application/json"))
            headers.append((b"content-length", str(len(body)).encode("ascii")))
        raw_path = call.raw_path()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": call.method,
            "scheme": "http",
            "path": unquote(raw_path.decode("ascii")),  # as uvicorn does: invalid UTF-8 → U+FFFD
            "raw_path": raw_path,
            "query_string": call.query_string(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("fuzz", 80),
        }
        return self.portal.call(_exchange, self.app, scope, body)


async def _exchange(app: ASGIApp, scope: dict[str, Any], body: bytes) -> Answer:
    started = asyncio.Event()
    body_sent = False
    status = 0
    content_type = ""
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await started.wait()  # a stream listens for the disconnect: it comes once it answered
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, content_type
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = dict(message.get("headers", []))
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            started.set()
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await asyncio.wait_for(app(scope, receive, send), ANSWER_WITHIN_SECONDS)
    except Exception:
        if not status:
            raise
        # starlette re-raises what it answered 500 for: the answer is what the fuzz judges
    return Answer(status, content_type.partition(";")[0], b"".join(chunks))
