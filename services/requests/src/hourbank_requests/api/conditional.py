"""Conditional reads of a request, the HTTP way: an `ETag` on the representation,
`If-None-Match` (RFC 9110 §13.1.2: 304 Not Modified while it names the current one) and
`Prefer: wait=N` (RFC 7240 §4.3: the answer waits up to N seconds for a change)."""

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from uuid import UUID

from anyio import to_thread
from fastapi import Request, Response

from hourbank_requests.api.changes import Watch
from hourbank_requests.api.schemas import RequestView
from hourbank_shared.admission import outside_admission
from hourbank_shared.errors import ServiceUnavailable, problem_response

MAX_WAIT_SECONDS = 20
"""A longer wait is cut to this, as `Preference-Applied: wait=20` says: inside the gateway's
30 s `proxy_read_timeout`."""
TOO_MANY_WAITS = "too-many-waits"
RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged: `If-None-Match` names the current `ETag` (no body)"},
    503: {
        "description": "The process holds as many waits as it may: read again after "
        "`Retry-After` seconds (problem+json)"
    },
}


Read = Callable[[], tuple[RequestView, int]]
"""The request as the caller may see it, and its row's version (in a worker thread)."""


async def answer(
    read: Read,
    if_none_match: str | None,
    wait: int,
    watching: AbstractAsyncContextManager[Watch],
    request: Request,
) -> Response:
    """The representation with its ETag, or 304 while `if_none_match` names it; with a
    `wait`, a 304 only once the wait is over without a change."""
    if not wait:
        view, etag = await _read(read)
        if matches(if_none_match, etag):
            return not_modified(etag)
        return representation(view, etag)
    until = time.monotonic() + wait
    async with watching as watch:  # registered before the read that decides to wait
        view, etag = await _read(read)  # a stranger's 404 comes from here, before any wait
        while matches(if_none_match, etag):
            if not watch.admitted:
                return too_many_waits(request, watch.limit)
            async with outside_admission(request.scope):  # parked: no thread, no connection
                changed = await watch.changed(until - time.monotonic())
            if not changed:  # no read: a wait ends on time, also while the database is away
                return not_modified(etag, wait)
            view, etag = await _read(read)
    return representation(view, etag, wait)


async def _read(read: Read) -> tuple[RequestView, str]:
    view, version = await to_thread.run_sync(read)
    return view, etag_of(version)


def etag_of(version: int) -> str:
    """A strong validator: the row's version changes with every write of the row, and the
    representation is made from the row alone."""
    return f'"{version}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison: `W/"3"` names `"3"` too; `*` names any."""
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def written(response: Response, request_id: UUID, version: int | None) -> Response:
    """An action's answer names the request's ETag, as a read of it would now: the client
    may wait for the next change with it (`If-None-Match` and `Prefer: wait`) without a read
    first. `Content-Location` says the body is the request's representation (RFC 9110 §8.7),
    which is what the ETag is of. A replayed answer (`Idempotency-Key`: `version` None) is
    not the request as it is now, and names none."""
    if version is not None:
        response.headers["ETag"] = etag_of(version)
        response.headers["Content-Location"] = f"/v1/requests/{request_id}"
    return response


def wait_preferred(prefer: str | None) -> int:
    """The seconds of a `wait` preference, at most `MAX_WAIT_SECONDS`; 0 without one."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.split(";", 1)[0].partition("=")
        seconds = value.strip().strip('"')
        if name.strip().lower() == "wait" and seconds.isascii() and seconds.isdigit():
            return min(int(seconds), MAX_WAIT_SECONDS)
    return 0


def representation(view: RequestView, etag: str, waited: int = 0) -> Response:
    return Response(
        view.model_dump_json(), media_type="application/json", headers=_headers(etag, waited)
    )


def not_modified(etag: str, waited: int = 0) -> Response:
    return Response(status_code=304, headers=_headers(etag, waited))


def too_many_waits(request: Request, limit: int) -> Response:
    detail = (
        f"this server holds {limit} waiting reads already; read without `Prefer: wait`, or "
        "wait again after Retry-After seconds"
    )
    response = problem_response(
        503, ServiceUnavailable.title, detail, TOO_MANY_WAITS, request.url.path, retry_after=1
    )
    response.headers["Retry-After"] = "1"
    return response


def _headers(etag: str, waited: int) -> dict[str, str]:
    if not waited:
        return {"ETag": etag}
    return {"ETag": etag, "Preference-Applied": f"wait={waited}"}
