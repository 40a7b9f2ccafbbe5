"""What the admin console reads from the requests service: the saga's KPIs and members found
by name or email, against the real PostgreSQL."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables

from .test_members_api import NOW, PROBLEM, auth, client, register, sessions

pytestmark = pytest.mark.integration
__all__ = ["client", "sessions"]  # the fixtures this module uses

ADMIN = auth(uuid4(), admin=True)
H = timedelta(hours=1)
S = timedelta(seconds=1)


def lived(sessions: sessionmaker[Session], *steps: tuple[str | None, str, str, datetime]) -> UUID:
    """A request's history: (from, to, trigger, at) in the order they happened."""
    request_id = uuid4()
    rows = [
        {"request_id": request_id, "from_status": before, "to_status": after,
         "trigger": trigger, "actor": "SYSTEM", "at": at}
        for before, after, trigger, at in steps
    ]  # fmt: skip
    with sessions() as session:
        session.execute(insert(tables.history), rows)
        session.commit()
    return request_id


@pytest.fixture
def histories(sessions: sessionmaker[Session]) -> None:
    lived(  # paid: a submit step of 2 s, a complete step of 4 s
        sessions,
        (None, "INITIATED", "SUBMITTED", NOW - 10 * H),
        ("INITIATED", "AWAITING_RESPONSE", "ESCROWED", NOW - 10 * H + 2 * S),
        ("AWAITING_RESPONSE", "ACCEPTED", "ACCEPTED", NOW - 9 * H),
        ("ACCEPTED", "COMPLETED", "COMPLETION_CONFIRMED", NOW - H),
        ("COMPLETED", "PAID", "PAID", NOW - H + 4 * S),
    )
    lived(  # failed by the system
        sessions,
        (None, "INITIATED", "SUBMITTED", NOW - 3 * H),
        ("INITIATED", "EXPIRED", "ESCROW_ANSWER_DEADLINE_PASSED", NOW - 2 * H),
    )
    lived(sessions, ("AWAITING_RESPONSE", "REJECTED", "DECLINED", NOW - 5 * H))
    lived(sessions, ("ACCEPTED", "CANCELLED", "CANCELLED", NOW - 4 * H))
    lived(sessions, ("COMPLETED", "PAID", "PAID", NOW - 30 * H))  # before the day


@pytest.mark.usefixtures("histories")
def test_the_saga_kpis_of_the_last_day(client: TestClient) -> None:
    answer = client.get("/v1/requests/stats", headers=ADMIN)

    assert answer.status_code == 200, answer.text
    stats = answer.json()
    assert stats["window_hours"] == 24
    assert stats["until"] == "2026-03-01T12:00:00Z"
    assert stats["since"] == "2026-02-28T12:00:00Z"
    assert stats["sagas_ended"] == 4
    assert stats["ended_by_status"] == {"PAID": 1, "EXPIRED": 1, "REJECTED": 1, "CANCELLED": 1}
    assert stats["sagas_failed"] == 1
    assert stats["workflow_success"] == 0.75
    assert (stats["accepted_ended"], stats["paid"]) == (2, 1)
    assert stats["completion_rate"] == 0.5
    assert stats["step_p99_seconds"] == {"submit": 2.0, "accept": None, "complete": 4.0}
    assert stats["execution_time_p99_seconds"] == 4.0


@pytest.mark.usefixtures("histories")
def test_a_wider_window_takes_in_older_sagas(client: TestClient) -> None:
    stats = client.get("/v1/requests/stats?hours=48", headers=ADMIN).json()

    assert stats["sagas_ended"] == 5
    assert stats["paid"] == 2
    assert stats["completion_rate"] == round(2 / 3, 4)


def test_without_sagas_the_ratios_are_null(client: TestClient) -> None:
    stats = client.get("/v1/requests/stats", headers=ADMIN).json()

    assert stats["sagas_ended"] == 0
    assert stats["workflow_success"] is None
    assert stats["completion_rate"] is None
    assert stats["execution_time_p99_seconds"] is None


def test_stats_are_for_admins_and_not_taken_for_a_request_id(client: TestClient) -> None:
    member = client.get("/v1/requests/stats", headers=auth(uuid4()))
    too_long = client.get("/v1/requests/stats?hours=100000", headers=ADMIN)

    assert member.status_code == 403  # not the 422 of `stats` read as a request id
    assert member.headers["content-type"] == PROBLEM
    assert too_long.status_code == 422


def test_an_admin_finds_members_by_a_fragment_of_name_or_email(client: TestClient) -> None:
    ada, bob, percy = uuid4(), uuid4(), uuid4()
    register(client, ada, display_name="Ada Lovelace", email="ada@example.org")
    register(client, bob, display_name="Bob", email="bob@LOVELY.example")
    register(client, percy, display_name="100% Percy")

    by_name = client.get("/v1/members?q=lovelace", headers=ADMIN)
    both = client.get("/v1/members?q=LOVE", headers=ADMIN).json()
    literal = client.get("/v1/members?q=0%25", headers=ADMIN).json()  # "0%": no wildcard
    first = client.get("/v1/members?q=love&limit=1", headers=ADMIN).json()
    second = client.get(
        f"/v1/members?q=love&limit=1&cursor={first['next_cursor']}", headers=ADMIN
    ).json()
    member = client.get("/v1/members?q=love", headers=auth(ada))
    too_short = client.get("/v1/members?q=a", headers=ADMIN)

    assert by_name.status_code == 200, by_name.text
    (found,) = by_name.json()["items"]
    assert (found["id"], found["email"], found["roles"]) == (
        str(ada),
        "ada@example.org",
        ["member"],
    )
    assert {m["id"] for m in both["items"]} == {str(ada), str(bob)}
    assert [m["id"] for m in literal["items"]] == [str(percy)]
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {str(ada), str(bob)}
    assert second["next_cursor"] is None
    assert member.status_code == 403
    assert too_short.status_code == 422


def test_the_requests_service_serves_its_dead_letters_to_admins_only(client: TestClient) -> None:
    refused = client.post("/v1/dead-letters/requests/0/replay", headers=auth(uuid4()))
    paths = client.get("/openapi.json").json()["paths"]

    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert {"/v1/dead-letters/requests", "/v1/requests/stats"} <= set(paths)
