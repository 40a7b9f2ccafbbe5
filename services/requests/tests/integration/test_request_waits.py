# ruff: noqa: F811 (the tests take the `bank` fixture imported below)
"""`GET /v1/requests/{id}` as a conditional long-poll, against the real PostgreSQL with the
migrations' trigger: the ETag, 304 for the current one, a wait that another transaction's change
ends at once, the 404 that never waits, and the listener that outlives its connection."""

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.api.changes import APPLICATION_NAME, RequestChanges
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.migrations import upgrade

from .test_requests_api import Bank, auth, bank  # noqa: F401 (the fixture, on `sessions` below)

pytestmark = pytest.mark.integration

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"
PROMPT = 2.0
"""Well under every wait these tests ask for (10 s): a woken wait, on a busy shared machine."""


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """The database as the migrations make it, with their trigger (not `create_all`)."""
    upgrade(ALEMBIC_INI, database_url, quiet=True)  # the trigger comes with the migrations
    engine = make_engine(database_url, pool_size=3)  # an admission limit of 3
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(8) as executor:
        yield executor


def read(bank: Bank, who: Any, request_id: str, etag: str | None = None, wait: int = 0) -> Response:
    headers = auth(who)
    if etag is not None:
        headers["If-None-Match"] = etag
    if wait:
        headers["Prefer"] = f"wait={wait}"
    response: Response = bank.client.get(f"/v1/requests/{request_id}", headers=headers)
    return response


def changes(bank: Bank) -> RequestChanges:
    changes: RequestChanges = cast(FastAPI, bank.client.app).state.request_changes
    return changes


def parked(bank: Bank, *answers: "Future[Response]") -> None:
    """Every wait has begun, and is still under way a moment later: it did not answer at once."""
    deadline = time.monotonic() + 10
    while changes(bank).waiting < len(answers):
        assert time.monotonic() < deadline, "the waits did not begin"
        time.sleep(0.02)
    time.sleep(0.3)
    assert not any(answer.done() for answer in answers)


def test_the_etag_names_the_version_and_if_none_match_gets_304(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))

    first = read(bank, requester, request_id)
    etag = first.headers["ETag"]
    unchanged = read(bank, requester, request_id, etag)
    weak = read(bank, requester, request_id, f'W/{etag}, "other"')
    bank.escrow_holds(request_id)
    changed = read(bank, requester, request_id, etag)

    assert first.status_code == 200
    assert etag.startswith('"') and etag.endswith('"')
    assert (unchanged.status_code, unchanged.content, unchanged.headers["ETag"]) == (304, b"", etag)
    assert "Preference-Applied" not in unchanged.headers
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.json()["status"] == "AWAITING_RESPONSE"
    assert changed.headers["ETag"] != etag
    assert read(bank, provider, request_id, changed.headers["ETag"]).status_code == 304


def test_an_actions_answer_names_the_etag_a_read_would_and_a_wait_can_start_from_it(
    bank: Bank, pool: ThreadPoolExecutor
) -> None:
    requester, provider = bank.member(), bank.member()
    submitted = bank.submit(requester, bank.offering(provider))
    request_id = submitted.json()["id"]
    etag = submitted.headers["ETag"]
    unchanged = read(bank, requester, request_id, etag)

    # no read before the wait: the submission's ETag is the one to wait on
    answer = pool.submit(read, bank, requester, request_id, etag, 10)
    parked(bank, answer)
    bank.escrow_holds(request_id)
    held = answer.result(timeout=15)
    accepted = bank.act(provider, request_id, "accept")

    assert submitted.status_code == 201
    assert submitted.headers["Content-Location"] == f"/v1/requests/{request_id}"
    assert unchanged.status_code == 304
    assert held.status_code == 200
    assert held.json()["status"] == "AWAITING_RESPONSE"
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["Content-Location"] == f"/v1/requests/{request_id}"
    assert accepted.headers["ETag"] not in (etag, held.headers["ETag"])
    assert read(bank, requester, request_id, accepted.headers["ETag"]).status_code == 304
    assert read(bank, requester, request_id).json() == accepted.json()


def test_a_replayed_answer_names_no_etag(bank: Bank) -> None:
    """The answer to a repeated Idempotency-Key is the first one, not the request as it is
    now: it names no ETag, and a client reads the request to wait on it."""
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))
    key = {**auth(provider), "Idempotency-Key": "accept-once"}
    path = f"/v1/requests/{request_id}/accept"
    first = bank.client.post(path, headers=key)
    again = bank.client.post(path, headers=key)

    assert first.status_code == again.status_code == 200
    assert "ETag" in first.headers
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "ETag" not in again.headers
    assert "Content-Location" not in again.headers


def test_a_wait_answers_as_soon_as_escrows_answer_changes_the_request(
    bank: Bank, pool: ThreadPoolExecutor
) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))
    etag = read(bank, requester, request_id).headers["ETag"]

    answer = pool.submit(read, bank, requester, request_id, etag, 10)
    parked(bank, answer)
    changed_at = time.monotonic()
    bank.escrow_holds(request_id)  # the consumer's unit of work, another transaction
    response = answer.result(timeout=15)
    took = time.monotonic() - changed_at

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "AWAITING_RESPONSE"
    assert response.headers["ETag"] != etag
    assert response.headers["Preference-Applied"] == "wait=10"
    assert took < PROMPT


def test_parked_waits_hold_no_admission_slot_and_the_other_partys_action_wakes_them(
    bank: Bank, pool: ThreadPoolExecutor
) -> None:
    """Five waits, more than the admission limit (3): the provider's accept still goes
    through at once, and every wait answers with the accepted request."""
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))
    etag = read(bank, requester, request_id).headers["ETag"]

    answers = [pool.submit(read, bank, requester, request_id, etag, 10) for _ in range(5)]
    parked(bank, *answers)
    began = time.monotonic()
    accepted = bank.act(provider, request_id, "accept")
    accepted_in = time.monotonic() - began
    responses = [answer.result(timeout=15) for answer in answers]
    woken_in = time.monotonic() - began

    assert accepted.status_code == 200, accepted.text
    assert accepted_in < PROMPT
    assert [r.status_code for r in responses] == [200] * 5
    assert {r.json()["status"] for r in responses} == {"ACCEPTED"}
    assert woken_in < PROMPT


def test_a_wait_without_a_change_ends_in_304_after_its_seconds(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))
    etag = read(bank, requester, request_id).headers["ETag"]

    began = time.monotonic()
    response = read(bank, requester, request_id, etag, wait=1)
    took = time.monotonic() - began

    assert (response.status_code, response.content) == (304, b"")
    assert response.headers["ETag"] == etag
    assert response.headers["Preference-Applied"] == "wait=1"
    assert 1.0 <= took < 1.0 + PROMPT


def test_a_stale_etag_answers_at_once_and_the_wait_is_capped(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))

    began = time.monotonic()
    response = read(bank, requester, request_id, '"stale"', wait=600)

    assert response.status_code == 200
    assert time.monotonic() - began < PROMPT
    assert response.headers["Preference-Applied"] == "wait=20"


def test_a_stranger_gets_404_at_once_with_or_without_the_headers(bank: Bank) -> None:
    requester, provider, stranger = bank.member(), bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))
    etag = read(bank, requester, request_id).headers["ETag"]

    began = time.monotonic()
    answers = [
        read(bank, stranger, request_id),
        read(bank, stranger, request_id, etag),
        read(bank, stranger, request_id, etag, wait=5),
        read(bank, stranger, request_id, "*", wait=5),
    ]
    nothing = read(bank, stranger, "00000000-0000-0000-0000-000000000000", etag, wait=5)

    assert [a.status_code for a in [*answers, nothing]] == [404] * 5
    assert answers[0].json()["detail"] == answers[2].json()["detail"]
    assert all("ETag" not in a.headers for a in answers)
    assert time.monotonic() - began < PROMPT


def test_beyond_the_process_limit_a_wait_is_refused_with_retry_after(
    bank: Bank, database_url: str, pool: ThreadPoolExecutor
) -> None:
    cast(FastAPI, bank.client.app).state.request_changes = RequestChanges(database_url, limit=1)
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))
    etag = read(bank, requester, request_id).headers["ETag"]

    first = pool.submit(read, bank, requester, request_id, etag, 10)
    parked(bank, first)
    refused = read(bank, requester, request_id, etag, wait=10)
    stale = read(bank, requester, request_id, '"stale"', wait=10)
    bank.escrow_holds(request_id)

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["type"].endswith("/too-many-waits")
    assert stale.status_code == 200  # nothing to wait for: answered at once
    assert first.result(timeout=15).status_code == 200


def test_the_listener_connects_again_after_its_backend_is_terminated(
    bank: Bank, sessions: sessionmaker[Session], pool: ThreadPoolExecutor
) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))
    etag = read(bank, requester, request_id).headers["ETag"]
    assert read(bank, requester, request_id, etag, wait=1).status_code == 304  # it listens

    terminate(sessions, listener_pid(sessions))
    began = time.monotonic()
    during = read(bank, requester, request_id, etag, wait=1)  # ends on time all the same
    during_took = time.monotonic() - began
    terminate(sessions, killed := listener_pid(sessions))
    listener_pid(sessions, other_than=killed)  # connected again by itself: nobody waited
    answer = pool.submit(read, bank, requester, request_id, etag, 10)
    parked(bank, answer)
    changed_at = time.monotonic()
    bank.escrow_holds(request_id)
    response = answer.result(timeout=15)

    assert during.status_code == 304
    assert 1.0 <= during_took < 1.0 + PROMPT
    assert response.status_code == 200
    assert response.json()["status"] == "AWAITING_RESPONSE"
    assert time.monotonic() - changed_at < PROMPT


def terminate(sessions: sessionmaker[Session], pid: int) -> None:
    with sessions() as session:
        session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def listener_pid(sessions: sessionmaker[Session], other_than: int | None = None) -> int:
    """The backend of this database's listening connection once it has run its LISTEN (one
    other than `other_than`), waited for up to 10 s."""
    query = text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = :name AND query LIKE 'LISTEN%' AND pid <> :other"
    )
    deadline = time.monotonic() + 10
    while True:
        with sessions() as session:
            pid = session.execute(query, {"name": APPLICATION_NAME, "other": other_than or 0})
            found = pid.scalar()
        if found is not None:
            return int(found)
        assert time.monotonic() < deadline, "no listening connection"
        time.sleep(0.05)
