"""Offering review through the API against the real PostgreSQL: the bank reviews offerings
(HOURBANK_OFFERING_REVIEW), admins approve or reject, members see and request only APPROVED
offerings, new terms go back to review, and each step writes its event to the outbox."""

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
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import FixedClock
from hourbank_shared.db import make_engine, session_factory

pytestmark = pytest.mark.integration

SECRET = "x" * 32
PROBLEM = "application/problem+json"
GARDENING = {"title": "Garden help", "category": "garden", "rate": "1.50"}
ADMIN = uuid4()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, pool_size=2)
    tables.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def client(database_url: str, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    settings = RequestsSettings(database_url=database_url, jwt_secret=SECRET, offering_review=True)
    clock = FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    with TestClient(create_app(settings, sessions, clock)) as test_client:
        yield test_client


def auth(member_id: UUID, *, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member_id, SECRET, admin=admin)}"}


def member(client: TestClient) -> UUID:
    member_id = uuid4()
    response = client.post("/v1/members", json={"display_name": "M"}, headers=auth(member_id))
    assert response.status_code == 201, response.text
    return member_id


def offered(client: TestClient, provider: UUID, **terms: Any) -> dict[str, Any]:
    response = client.post("/v1/offerings", json={**GARDENING, **terms}, headers=auth(provider))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def review(client: TestClient, offering_id: str, decision: str, **body: Any) -> Any:
    path = f"/v1/offerings/{offering_id}/{decision}"
    return client.post(path, json=body, headers=auth(ADMIN, admin=True))


def listed(client: TestClient, caller: UUID, *, admin: bool = False, **params: Any) -> list[str]:
    response = client.get("/v1/offerings", params=params, headers=auth(caller, admin=admin))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def submit(client: TestClient, requester: UUID, offering_id: str) -> Any:
    body = {"offering_id": offering_id, "hours": "2.00", "message": "please"}
    return client.post("/v1/requests", json=body, headers=auth(requester))


def events(sessions: sessionmaker[Session], offering_id: str) -> list[dict[str, Any]]:
    """The envelopes written about an offering (its CloudEvents subject), oldest first."""
    query = select(tables.outbox.c.payload).order_by(tables.outbox.c.id)
    with sessions() as session:
        envelopes = [json.loads(payload) for payload in session.execute(query).scalars()]
    return [e for e in envelopes if e.get("subject") == offering_id]


def test_a_new_offering_waits_in_the_queue_seen_by_its_provider_and_admins_only(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    provider, stranger = member(client), member(client)

    waiting = offered(client, provider)

    assert (waiting["status"], waiting["active"]) == ("PENDING_REVIEW", True)
    path = f"/v1/offerings/{waiting['id']}"
    assert client.get(path, headers=auth(stranger)).status_code == 404
    assert client.get(path, headers=auth(provider)).json()["status"] == "PENDING_REVIEW"
    assert client.get(path, headers=auth(ADMIN, admin=True)).status_code == 200
    assert listed(client, stranger) == []
    assert listed(client, provider, provider_id=provider) == [waiting["id"]]
    assert listed(client, ADMIN, admin=True, status="PENDING_REVIEW") == [waiting["id"]]
    refused = client.get("/v1/offerings", params={"status": "PENDING_REVIEW"},
                         headers=auth(stranger))  # fmt: skip
    assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)
    [created] = events(sessions, waiting["id"])
    assert created["type"] == "hourbank.offering.created.v1"
    assert created["data"]["status"] == "PENDING_REVIEW"


def test_an_approved_offering_is_listed_and_requested_and_the_event_carries_the_note(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    provider, requester = member(client), member(client)
    waiting = offered(client, provider)

    refused = submit(client, requester, waiting["id"])
    approved = review(client, waiting["id"], "approve", note="Looks good")

    assert refused.status_code == 409
    assert "PENDING_REVIEW" in refused.json()["detail"]
    assert refused.json()["offering_status"] == "PENDING_REVIEW"
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "APPROVED"
    assert (approved.json()["review_note"], approved.json()["reviewed_by"]) == (
        "Looks good", str(ADMIN)
    )  # fmt: skip
    public = client.get(f"/v1/offerings/{waiting['id']}", headers=auth(requester)).json()
    assert (public["status"], public["review_note"], public["reviewed_by"]) == (
        "APPROVED", None, None
    )  # fmt: skip
    assert listed(client, requester) == [waiting["id"]]
    assert submit(client, requester, waiting["id"]).status_code == 201
    approval = events(sessions, waiting["id"])[-1]
    assert approval["type"] == "hourbank.offering.approved.v1"
    assert approval["data"]["note"] == "Looks good"
    assert approval["data"]["by_admin_id"] == str(ADMIN)


def test_a_rejected_offering_stays_hidden_cannot_be_requested_and_is_decided_once(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    provider, requester = member(client), member(client)
    waiting = offered(client, provider)

    no_reason = review(client, waiting["id"], "reject")
    rejected = review(client, waiting["id"], "reject", reason="Not a service")
    again = review(client, waiting["id"], "approve")

    assert no_reason.status_code == 422
    assert rejected.json()["status"] == "REJECTED"
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert "REJECTED" in again.json()["detail"]
    answer = submit(client, requester, waiting["id"])
    assert (answer.status_code, answer.json()["offering_status"]) == (409, "REJECTED")
    assert listed(client, requester) == []
    assert listed(client, provider, provider_id=provider, status="REJECTED") == [waiting["id"]]
    assert events(sessions, waiting["id"])[-1]["data"]["reason"] == "Not a service"


def test_only_admins_review_and_not_their_own_offering(client: TestClient) -> None:
    provider = member(client)
    waiting = offered(client, provider)
    path = f"/v1/offerings/{waiting['id']}/approve"

    by_member = client.post(path, json={}, headers=auth(provider))
    by_itself = client.post(path, json={}, headers=auth(provider, admin=True))
    unknown = review(client, str(uuid4()), "approve")

    assert (by_member.status_code, by_itself.status_code, unknown.status_code) == (403, 403, 404)
    assert "their own offering" in by_itself.json()["detail"]


def test_new_terms_go_back_to_review_and_requests_made_keep_theirs(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    provider, requester = member(client), member(client)
    offering_id = offered(client, provider)["id"]
    review(client, offering_id, "approve")
    request = submit(client, requester, offering_id).json()

    revised = client.patch(
        f"/v1/offerings/{offering_id}", json={"rate": "3.00"}, headers=auth(provider)
    )

    assert revised.status_code == 200
    assert (revised.json()["status"], revised.json()["rate"]) == ("PENDING_REVIEW", "3.00")
    kept = client.get(f"/v1/requests/{request['id']}", headers=auth(requester)).json()
    assert (kept["rate"], kept["amount"]) == ("1.50", "3.00")
    assert listed(client, requester) == []
    assert submit(client, member(client), offering_id).status_code == 409
    change = events(sessions, offering_id)[-1]
    assert (change["type"], change["data"]["status"]) == (
        "hourbank.offering.revised.v1", "PENDING_REVIEW"
    )  # fmt: skip
    stale = review(client, offering_id, "approve", version=revised.json()["version"] - 1)
    assert (stale.status_code, stale.json()["version"]) == (409, revised.json()["version"])
    approved = review(client, offering_id, "approve", version=revised.json()["version"])
    assert (approved.status_code, approved.json()["rate"]) == (200, "3.00")


def test_withdrawing_a_waiting_offering_takes_it_out_of_the_queue(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    provider = member(client)
    offering_id = offered(client, provider)["id"]

    assert client.delete(f"/v1/offerings/{offering_id}", headers=auth(provider)).status_code == 204

    assert listed(client, ADMIN, admin=True, status="PENDING_REVIEW") == []
    assert review(client, offering_id, "approve").json()["offering_status"] == "WITHDRAWN"
    withdrawn = events(sessions, offering_id)[-1]
    assert withdrawn["type"] == "hourbank.offering.withdrawn.v1"
    assert (withdrawn["data"]["by_admin"], withdrawn["data"]["withdrawn_by"]) == (
        False, str(provider)
    )  # fmt: skip
