"""The load driver and a submission shed at the door, over real HTTP to a small server playing
the gateway: the load generator counts the lifecycle as refused and sends nothing more; the
fault injector's client sends it again after Retry-After."""

import asyncio
import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from hourbank_stack.lifecycle import Api, Pair, lifecycle
from hourbank_stack.load import RateResult

from .answering import answering

SECRET = "s" * 32
SHED = {
    "type": "https://hourbank.dev/problems/overloaded",
    "title": "Service Unavailable",
    "status": 503,
    "detail": "too many requests are waiting for escrow to hold their hours",
}


def shed(retry_after: str) -> web.Response:
    return web.Response(
        status=503,
        text=json.dumps(SHED),
        content_type="application/problem+json",
        headers={"Retry-After": retry_after},
    )


async def serving(
    answers: list[web.Response], test: Callable[[str, list[str]], Awaitable[None]]
) -> list[str]:
    """Answers each request with the next of `answers`; returns the paths asked for."""
    asked: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        asked.append(f"{request.method} {request.path}")
        return answers.pop(0)

    async with answering(answer) as base_url:
        await test(base_url, asked)
    return asked


def test_the_load_generator_counts_a_shed_submission_as_refused_and_moves_on() -> None:
    async def run(base_url: str, asked: list[str]) -> None:
        api = Api(base_url, SECRET, patience=5, shed_is_final=True)
        pair = Pair(api.member(), api.member(), "offering-1")
        outcome = await lifecycle(api, pair)
        await api.close()
        assert outcome.refused_for == 7
        assert not outcome.ok
        assert outcome.error == ""  # refused, not failed
        assert asked == ["POST /v1/requests"]  # no retry, no poll

    asyncio.run(serving([shed("7")], run))


def test_the_fault_injectors_client_sends_a_shed_submission_again_after_retry_after() -> None:
    created = web.json_response({"id": "r-1", "status": "INITIATED"}, status=201)

    async def run(base_url: str, asked: list[str]) -> None:
        api = Api(base_url, SECRET, patience=5)
        loop = asyncio.get_running_loop()
        began = loop.time()
        body = await api.call(api.member(), "POST", "/v1/requests", {"hours": "1.00"})
        await api.close()
        assert body["id"] == "r-1"
        assert loop.time() - began >= 1.0  # waited the Retry-After
        assert api.retries["shed"] == 1
        assert asked == ["POST /v1/requests", "POST /v1/requests"]

    asyncio.run(serving([shed("1"), created], run))


def test_refusals_are_not_failures_but_do_mark_the_rate_saturated() -> None:
    calm = RateResult(offered=10, seconds=30, started=300, completed=300, throughput=10.0)
    shedding = RateResult(
        offered=10, seconds=30, started=300, completed=200, refused=100, throughput=10.0
    )
    assert not calm.saturated
    assert shedding.failed == 0
    assert shedding.saturated


def test_a_submission_that_expired_before_escrow_answered_ends_the_lifecycle_apart() -> None:
    """An outage longer than the requests service's escrow-answer deadline: the request ends
    EXPIRED (refunded). The lifecycle stops there, neither a success nor an error."""
    created = web.json_response({"id": "r-1", "status": "INITIATED"}, status=201)
    expired = web.json_response({"id": "r-1", "status": "EXPIRED"}, headers={"ETag": '"2"'})

    async def run(base_url: str, asked: list[str]) -> None:
        api = Api(base_url, SECRET, patience=5)
        outcome = await lifecycle(api, Pair(api.member(), api.member(), "offering-1"))
        await api.close()
        assert (outcome.status, outcome.unanswered, outcome.error) == ("EXPIRED", True, "")
        assert not outcome.ok
        assert asked == ["POST /v1/requests", "GET /v1/requests/r-1"]  # nothing more asked

    asyncio.run(serving([created, expired], run))
