"""A command that waits for another service's view (assigning a dispute the disputes service
keeps PENDING, as it has not heard of its request yet): the client sends it again while the
refusal says "not yet", each time with a new Idempotency-Key, and gives up at once on any other
refusal."""

import asyncio
import json
from typing import Any

from aiohttp import web

from hourbank_stack.lifecycle import CONFLICT, Api, Refused

from .answering import answering

SECRET = "s" * 32


def problem(status: int, detail: str) -> web.Response:
    body = {"type": "about:blank", "title": "refused", "status": status, "detail": detail}
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/problem+json"
    )


def once_allowed(answers: list[web.Response], patience: float = 5) -> tuple[Any, list[str]]:
    """POSTs through `Api.once_allowed` to a server giving `answers` in turn: what it returned
    (or the exception it raised) and the Idempotency-Key of every attempt."""
    keys: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        keys.append(request.headers.get("Idempotency-Key", ""))
        return answers.pop(0)

    async def run() -> Any:
        async with answering(answer) as base_url:
            api = Api(base_url, SECRET, patience=patience)
            try:
                path = "/v1/disputes/d-1/assign"
                return await api.once_allowed(api.member(), path, {}, not_yet=CONFLICT)
            except Refused as refused:
                return refused
            finally:
                await api.close()

    return asyncio.run(run()), keys


def test_a_not_yet_refusal_is_sent_again_with_a_new_key_until_accepted() -> None:
    not_yet = "cannot assign the dispute: the dispute is PENDING (allowed only when OPEN)"
    accepted = web.json_response({"id": "d-1"}, status=200)
    got, keys = once_allowed([problem(409, not_yet), problem(409, not_yet), accepted])
    assert got == {"id": "d-1"}
    assert len(keys) == 3 and len(set(keys)) == 3 and all(keys)


def test_another_refusal_is_final_at_once() -> None:
    got, keys = once_allowed([problem(403, "only the requester or the provider may dispute it")])
    assert isinstance(got, Refused) and got.status == 403
    assert len(keys) == 1


def test_a_not_yet_refusal_past_the_patience_is_raised() -> None:
    got, keys = once_allowed([problem(409, "not yet") for _ in range(100)], patience=0.3)
    assert isinstance(got, Refused) and got.status == 409
    assert 2 <= len(keys) < 100
