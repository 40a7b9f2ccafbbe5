"""The members API against the real PostgreSQL, with development tokens."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_requests.api import create_app
from hourbank_requests.settings import RequestsSettings
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import FixedClock
from hourbank_shared.db import make_engine, session_factory

pytestmark = pytest.mark.integration

SECRET = "x" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PROBLEM = "application/problem+json"
REGISTRATION_EVENTS = 3
"""member.registered v1 (without the address) and v2, and the private contact event."""


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, pool_size=2)
    tables.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def client(database_url: str, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    settings = RequestsSettings(database_url=database_url, jwt_secret=SECRET)
    with TestClient(create_app(settings, sessions, FixedClock(NOW))) as test_client:
        yield test_client


def auth(member_id: UUID, *, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member_id, SECRET, admin=admin)}"}


def register(client: TestClient, member_id: UUID, *, admin: bool = False, **body: Any) -> Any:
    body = {"display_name": "Ada", **body}
    return client.post("/v1/members", json=body, headers=auth(member_id, admin=admin))


def outbox(sessions: sessionmaker[Session], member_id: UUID) -> list[dict[str, Any]]:
    """The envelopes written for a member, oldest first."""
    query = (
        select(tables.outbox.c.payload)
        .where(tables.outbox.c.key == str(member_id))
        .order_by(tables.outbox.c.id)
    )
    with sessions() as session:
        return [json.loads(payload) for payload in session.execute(query).scalars()]


def test_a_member_registers_and_sees_themselves(client: TestClient) -> None:
    member = uuid4()

    created = register(client, member, display_name="  Ada Lovelace ", email="ada@Example.ORG")
    me = client.get("/v1/members/me", headers=auth(member))

    assert created.status_code == 201
    assert created.json() == {
        "id": str(member),
        "display_name": "Ada Lovelace",
        "email": "ada@example.org",
        "roles": ["member"],
        "status": "ACTIVE",
        "rating_average": None,
        "rating_count": 0,
        "registered_at": "2026-03-01T12:00:00Z",
    }
    assert me.status_code == 200
    assert me.json() == created.json()


def test_others_see_the_public_profile_without_email(client: TestClient) -> None:
    member = uuid4()
    register(client, member, email="ada@example.org")

    response = client.get(f"/v1/members/{member}", headers=auth(uuid4()))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(member),
        "display_name": "Ada",
        "status": "ACTIVE",
        "rating_average": None,
        "rating_count": 0,
    }


def test_the_profile_shows_the_rating_average_to_two_decimals(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    member = uuid4()
    register(client, member)
    with SqlUnitOfWork(sessions) as uow:
        rated = uow.members.lock(member)
        assert rated is not None
        for score in (5, 4, 4):
            rated.add_rating(score)
        uow.members.save(rated)
        uow.commit()

    profile = client.get(f"/v1/members/{member}", headers=auth(uuid4())).json()

    assert (profile["rating_average"], profile["rating_count"]) == ("4.33", 3)


def test_registering_twice_is_a_conflict(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    member = uuid4()
    register(client, member)

    again = register(client, member, display_name="Someone else")

    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert "already registered" in again.json()["detail"]
    assert len(outbox(sessions, member)) == REGISTRATION_EVENTS


def test_a_repeated_registration_with_its_idempotency_key_gets_the_first_answer(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    member = uuid4()
    headers = {**auth(member), "Idempotency-Key": "register-1"}

    first = client.post("/v1/members", json={"display_name": "Ada"}, headers=headers)
    second = client.post("/v1/members", json={"display_name": "Ada"}, headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(outbox(sessions, member)) == REGISTRATION_EVENTS


def test_an_unregistered_caller_is_told_to_register_first(client: TestClient) -> None:
    me = client.get("/v1/members/me", headers=auth(uuid4()))
    unknown = client.get(f"/v1/members/{uuid4()}", headers=auth(uuid4()))

    assert me.status_code == 404
    assert me.headers["content-type"] == PROBLEM
    assert "register first" in me.json()["detail"]
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": "x" * 81},
        {"display_name": "Ada", "email": "not an email"},
        {"display_name": "Ada", "email": "ada@"},
        {},
    ],
)
def test_a_bad_registration_is_invalid_input(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/v1/members", json=body, headers=auth(uuid4()))

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/members"), ("GET", "/v1/members/me"), ("GET", f"/v1/members/{uuid4()}")],
)
def test_without_a_token_it_is_401(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={"display_name": "Ada"})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_an_admin_suspends_and_reactivates_a_member(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    member, admin = uuid4(), uuid4()
    register(client, member)

    suspended = client.post(
        f"/v1/members/{member}/suspend", json={"reason": "spam"}, headers=auth(admin, admin=True)
    )
    profile = client.get(f"/v1/members/{member}", headers=auth(member)).json()
    reactivated = client.post(
        f"/v1/members/{member}/reactivate",
        json={"reason": "apologised"},
        headers=auth(admin, admin=True),
    )

    assert (suspended.status_code, suspended.json()["status"]) == (200, "SUSPENDED")
    assert profile["status"] == "SUSPENDED"
    assert (reactivated.status_code, reactivated.json()["status"]) == (200, "ACTIVE")
    _, registered, _, suspension, reactivation = outbox(sessions, member)
    assert registered["type"] == "hourbank.member.registered.v2"
    assert suspension["type"] == "hourbank.member.suspended.v1"
    assert suspension["data"] == {
        "member_id": str(member),
        "reason": "spam",
        "by_admin_id": str(admin),
        "sequence": 1,
    }
    assert reactivation["type"] == "hourbank.member.reactivated.v1"
    assert reactivation["data"] == {
        "member_id": str(member), "reason": "apologised", "by_admin_id": str(admin),
        "sequence": 2,
    }  # fmt: skip


def test_suspending_a_suspended_member_is_a_conflict(client: TestClient) -> None:
    member, admin = uuid4(), auth(uuid4(), admin=True)
    register(client, member)
    client.post(f"/v1/members/{member}/suspend", json={"reason": "spam"}, headers=admin)

    again = client.post(f"/v1/members/{member}/suspend", json={"reason": "spam"}, headers=admin)
    back = {"reason": "served"}
    reactivated = client.post(f"/v1/members/{member}/reactivate", json=back, headers=admin)
    reactivated_again = client.post(f"/v1/members/{member}/reactivate", json=back, headers=admin)

    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert "already SUSPENDED" in again.json()["detail"]
    assert reactivated.status_code == 200
    assert reactivated_again.status_code == 409
    assert "already ACTIVE" in reactivated_again.json()["detail"]


def test_only_admins_suspend_and_reactivate(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    member, other = uuid4(), uuid4()
    register(client, member)

    suspend = client.post(
        f"/v1/members/{member}/suspend", json={"reason": "spam"}, headers=auth(other)
    )
    reactivate = client.post(
        f"/v1/members/{member}/reactivate", json={"reason": "x"}, headers=auth(other)
    )

    assert (suspend.status_code, reactivate.status_code) == (403, 403)
    assert suspend.headers["content-type"] == PROBLEM
    assert len(outbox(sessions, member)) == REGISTRATION_EVENTS


def test_suspending_an_unknown_member_is_404_and_needs_a_reason(client: TestClient) -> None:
    admin = auth(uuid4(), admin=True)
    member = uuid4()
    register(client, member)

    unknown = client.post(f"/v1/members/{uuid4()}/suspend", json={"reason": "x"}, headers=admin)
    no_reason = client.post(f"/v1/members/{member}/suspend", json={"reason": " "}, headers=admin)

    assert unknown.status_code == 404
    assert no_reason.status_code == 422
