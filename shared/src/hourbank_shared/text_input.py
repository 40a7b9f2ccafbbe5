"""Text PostgreSQL cannot store is refused before any route sees it: 422 problem+json.

PostgreSQL text holds no NUL character, and psycopg cannot encode a lone surrogate (text that
is not valid UTF-8). Both reach Python intact: `%00` in a query or path, `\\u0000` and
`\\ud800` escapes in JSON, a NUL byte in a header. One check of every request, before routing,
covers every route of every service, present and future: the path (its parameter named when a
route matches), each query parameter, every header (so `Idempotency-Key`) and JSON bodies.

On the hot path it costs a few byte searches: the query and path are decoded only when they hold
a `%`, and a JSON body is parsed (once more) only when its raw bytes hold a NUL, a `\\u0000` or
`\\ud800`-`\\udfff` escape, or are not UTF-8.
"""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hourbank_shared.errors import invalid_input_response

NUL = "must not contain a NUL character"
NOT_UTF8 = "must be valid UTF-8 text (it holds a lone surrogate or bytes that are not UTF-8)"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What PostgreSQL text cannot hold: NUL, and surrogates (also invalid UTF-8, decoded with
`surrogateescape`)."""
SUSPECT_JSON = re.compile(rb"\x00|\\u(?:0000|[dD][89a-fA-F])")
"""A raw NUL byte, or the JSON escape of NUL or of a surrogate (possibly a false alarm, e.g.
after an escaped backslash: the parsed body has the last word)."""
JSON_TYPES = (b"application/json", b"+json")

Error = dict[str, Any]


def fault(text: str) -> str | None:
    """Why PostgreSQL cannot store `text`, or None if it can."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL if found.group() == "\x00" else NOT_UTF8


def printable(text: str) -> str:
    """`text` with NUL and surrogates written as escapes, safe to echo in a detail."""
    return UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _error(loc: list[str | int], message: str) -> Error:
    kind = "string_nul_character" if message == NUL else "string_not_utf8"
    return {"loc": loc, "msg": message, "type": kind}


def path_errors(scope: Scope) -> list[Error]:
    """The path parameter (or the path) holding a NUL or percent-escapes that are not UTF-8."""
    raw_path: bytes = scope.get("raw_path") or b""
    path: str = scope["path"]
    text = unquote(raw_path.decode("latin-1"), errors="surrogateescape") if b"%" in raw_path else ""
    message = fault(path) or fault(text)
    if message is None:
        return []
    return [_error(["path", _parameter_of(scope)], message)]


def _parameter_of(scope: Scope) -> str:
    """The name of the path parameter that holds the fault, from the app's OpenAPI paths."""
    openapi = getattr(scope.get("app"), "openapi", None)
    if openapi is None:
        return "path"
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    for template in openapi().get("paths", {}):
        match = compile_path(template)[0].match(path)
        for name, value in match.groupdict().items() if match else ():
            if fault(value) or "\ufffd" in value:
                return name
    return "path"


def query_errors(scope: Scope) -> list[Error]:
    """Each query parameter holding a NUL, or percent-escapes that are not UTF-8."""
    query: bytes = scope.get("query_string", b"")
    if b"%" not in query and b"\x00" not in query:
        return []
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, errors="surrogateescape")
    errors = []
    for name, value in pairs:
        if message := fault(name):
            errors.append(_error(["query", printable(name)], f"the parameter's name {message}"))
        elif message := fault(value):
            errors.append(_error(["query", name], message))
    return errors


def json_errors(value: Any) -> Iterator[Error]:
    """Each string (or field name) of a parsed JSON document that PostgreSQL cannot store."""
    pending: list[tuple[list[str | int], Any]] = [(["body"], value)]
    while pending:  # depth first, in document order, without recursion
        loc, item = pending.pop()
        if isinstance(item, str):
            if message := fault(item):
                yield _error(loc, message)
        elif isinstance(item, dict):
            children: list[tuple[list[str | int], Any]] = []
            for key, child in item.items():
                if message := fault(key):
                    yield _error([*loc, printable(key)], f"the field's name {message}")
                children.append(([*loc, key], child))
            pending.extend(reversed(children))
        elif isinstance(item, list):
            pending.extend(reversed([([*loc, i], child) for i, child in enumerate(item)]))


def body_errors(body: bytes) -> list[Error]:
    """A JSON body's faults: raw bytes that are not UTF-8, raw NUL, escaped NUL or surrogates."""
    if not body.isascii():
        try:
            body.decode()
        except UnicodeDecodeError:
            return [_error(["body"], NOT_UTF8)]
    if SUSPECT_JSON.search(body) is None:
        return []
    if b"\x00" in body:
        return [_error(["body"], NUL)]
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return []  # not JSON: the route's own parsing reports it
    return list(json_errors(document))


class RefuseUnstorableText:
    """ASGI middleware: 422 problem+json for a request whose text PostgreSQL cannot store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_body, header_errors = _scan_headers(scope)
        errors = path_errors(scope) or query_errors(scope) or header_errors
        if not errors and with_body:
            body = await _read_body(receive)
            if body is None:
                return  # the client went away
            errors = body_errors(body)
            receive = _replaying(body, receive)
        if errors:
            response = invalid_input_response(errors, scope["path"], whole="request body")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _scan_headers(scope: Scope) -> tuple[bool, list[Error]]:
    """Whether a JSON (or untyped) body follows, and the headers holding a NUL."""
    length = transfer = False
    json_type = True
    errors = []
    for name, value in scope["headers"]:
        if b"\x00" in value:
            errors.append(_error(["header", printable(name.decode("latin-1"))], NUL))
        elif name == b"content-length":
            length = value.strip() not in (b"", b"0")
        elif name == b"transfer-encoding":
            transfer = True
        elif name == b"content-type":
            media_type = value.partition(b";")[0].strip().lower()
            json_type = media_type.endswith(JSON_TYPES)
    return (length or transfer) and json_type, errors


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body already read, then whatever comes next (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
