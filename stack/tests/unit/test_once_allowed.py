"""A command that waits for another service's view (a dispute on a request the disputes service
has not heard of yet): the client sends it again while the refusal says "not yet", each time
with a new Idempotency-Key, and gives up at once on any other refusal."""

import asyncio
import json

import pytest
from aiohttp import web

from hourbank_stack.lifecycle import NOT_FOUND, Api, Refused

SECRET = "s" * 32


def problem(status: int, detail: str) -> web.Response:
    body = {"type": "about:blank", "title": "refused", "status": status, "detail": detail}
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/problem+json"
    )


async def keyed_server(answers: list[web.Response], keys: list[str]) -> tuple[web.AppRunner, str]:
    async def answer(request: web.Request) -> web.Response:
        keys.append(request.headers.get("Idempotency-Key", ""))
        return answers.pop(0)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def test_a_not_yet_refusal_is_sent_again_with_a_new_key_until_accepted() -> None:
    keys: list[str] = []
    answers = [
        problem(404, "no request known to disputes with that id"),
        problem(404, "no request known to disputes with that id"),
        web.json_response({"id": "d-1"}, status=201),
    ]

    async def run() -> object:
        runner, url = await keyed_server(answers, keys)
        api = Api(url, SECRET, patience=5)
        try:
            return await api.once_allowed(api.member(), "/v1/disputes", {}, not_yet=NOT_FOUND)
        finally:
            await api.close()
            await runner.cleanup()

    assert asyncio.run(run()) == {"id": "d-1"}
    assert len(keys) == 3 and len(set(keys)) == 3 and all(keys)


def test_another_refusal_is_final_at_once() -> None:
    keys: list[str] = []
    answers = [problem(403, "only the requester or the provider may dispute it")]

    async def run() -> None:
        runner, url = await keyed_server(answers, keys)
        api = Api(url, SECRET, patience=5)
        try:
            await api.once_allowed(api.member(), "/v1/disputes", {}, not_yet=NOT_FOUND)
        finally:
            await api.close()
            await runner.cleanup()

    with pytest.raises(Refused):
        asyncio.run(run())
    assert len(keys) == 1


def test_a_not_yet_refusal_past_the_patience_is_raised() -> None:
    keys: list[str] = []
    answers = [problem(404, "not yet") for _ in range(100)]

    async def run() -> None:
        runner, url = await keyed_server(answers, keys)
        api = Api(url, SECRET, patience=0.3)
        try:
            await api.once_allowed(api.member(), "/v1/disputes", {}, not_yet=NOT_FOUND)
        finally:
            await api.close()
            await runner.cleanup()

    with pytest.raises(Refused):
        asyncio.run(run())
    assert 2 <= len(keys) < 100
