"""`Api.status` over real HTTP to a small server playing the requests API: after its first
read it names the last ETag and asks the API to wait for a change, takes a 304 for "unchanged",
retries a 503 with the same question, and falls back to polling where the API sends no ETag."""

import asyncio
import json
import time

from aiohttp import web

from hourbank_stack.lifecycle import Api, Known

from .answering import answering

SECRET = "s" * 32
PATH = "/v1/requests/r-1"


def request(status: str, etag: str | None, *, waited: bool = True) -> web.Response:
    headers = {"ETag": etag} if etag else {}
    if waited:
        headers["Preference-Applied"] = "wait=5"
    return web.json_response({"id": "r-1", "status": status}, headers=headers)


def unchanged(etag: str) -> web.Response:
    return web.Response(status=304, headers={"ETag": etag, "Preference-Applied": "wait=5"})


def unavailable() -> web.Response:
    problem = {"type": "https://hourbank.dev/problems/too-many-waits", "status": 503}
    return web.Response(
        status=503,
        text=json.dumps(problem),
        content_type="application/problem+json",
        headers={"Retry-After": "0"},
    )


async def asked_for(
    answers: list[web.Response], wanted: set[str], known: Known | None = None
) -> tuple[str, list[dict[str, str]]]:
    """`Api.status` against a server answering each GET with the next of `answers`: the status
    it returned and the conditional headers of each GET."""
    asked: list[dict[str, str]] = []

    async def answer(http: web.Request) -> web.Response:
        assert (http.method, http.path) == ("GET", PATH)
        asked.append({k: v for k, v in http.headers.items() if k in ("If-None-Match", "Prefer")})
        return answers.pop(0)

    async with answering(answer) as base_url:
        api = Api(base_url, SECRET, patience=5)
        try:
            status = await api.status(api.member(), "r-1", wanted, known)
        finally:
            await api.close()
    assert answers == [], "the client stopped before the status it wanted"
    return status, asked


def test_status_waits_on_the_server_with_the_last_etag_and_takes_304_as_unchanged() -> None:
    answers = [
        request("INITIATED", '"1"', waited=False),
        unchanged('"1"'),
        unavailable(),
        request("AWAITING_RESPONSE", '"2"'),
        request("ACCEPTED", '"3"'),
    ]
    began = time.monotonic()

    status, asked = asyncio.run(asked_for(answers, {"ACCEPTED"}))

    waiting = {"Prefer": "wait=5"}
    assert status == "ACCEPTED"
    assert asked == [
        {},
        {"If-None-Match": '"1"', **waiting},
        {"If-None-Match": '"1"', **waiting},  # the 503 again, the same question
        {"If-None-Match": '"1"', **waiting},
        {"If-None-Match": '"2"', **waiting},
    ]
    assert time.monotonic() - began < 1.0  # no poll clock: the server held each answer


def test_without_an_etag_status_polls_with_a_pause_as_before() -> None:
    answers = [request(s, None, waited=False) for s in ("INITIATED", "INITIATED", "ACCEPTED")]
    began = time.monotonic()

    status, asked = asyncio.run(asked_for(answers, {"ACCEPTED"}))

    assert status == "ACCEPTED"
    assert asked == [{}, {}, {}]
    assert time.monotonic() - began >= 0.02 + 0.03  # 20 ms, then 30 ms


def test_an_actions_answer_with_its_etag_spares_the_first_read() -> None:
    """The action answered the request with its ETag: the first GET already waits on it."""
    answers = [unchanged('"4"'), request("PAID", '"5"')]
    known = Known({"id": "r-1", "status": "COMPLETED"}, '"4"')

    status, asked = asyncio.run(asked_for(answers, {"PAID"}, known))

    waiting = {"If-None-Match": '"4"', "Prefer": "wait=5"}
    assert (status, asked) == ("PAID", [waiting, waiting])


def test_an_actions_answer_already_in_a_wanted_status_needs_no_read() -> None:
    known = Known({"id": "r-1", "status": "IN_PROGRESS"}, '"3"')
    assert asyncio.run(asked_for([], {"IN_PROGRESS"}, known)) == ("IN_PROGRESS", [])


def test_an_answer_without_an_etag_falls_back_to_a_first_plain_read() -> None:
    """A replayed answer names no ETag: the client reads the request first, as before."""
    answers = [request("COMPLETED", '"4"', waited=False), request("PAID", '"5"')]
    known = Known({"id": "r-1", "status": "COMPLETED"}, None)

    status, asked = asyncio.run(asked_for(answers, {"PAID"}, known))

    assert (status, asked) == ("PAID", [{}, {"If-None-Match": '"4"', "Prefer": "wait=5"}])
