"""The offerings API against the real PostgreSQL, with development tokens."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from hourbank_requests.adapters import tables
from hourbank_requests.api import create_app
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import FixedClock
from hourbank_shared.db import make_engine, session_factory

pytestmark = pytest.mark.integration

SECRET = "x" * 32
PROBLEM = "application/problem+json"
GARDENING = {"title": "Garden help", "description": "Weeding and pruning", "category": "Garden"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    engine = make_engine(database_url, pool_size=2)
    tables.metadata.create_all(engine)
    settings = RequestsSettings(database_url=database_url, jwt_secret=SECRET)
    with TestClient(create_app(settings, session_factory(engine), clock)) as test_client:
        yield test_client
    engine.dispose()


def auth(member_id: UUID, *, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member_id, SECRET, admin=admin)}"}


def member(client: TestClient) -> UUID:
    member_id = uuid4()
    response = client.post("/v1/members", json={"display_name": "M"}, headers=auth(member_id))
    assert response.status_code == 201
    return member_id


def offer(client: TestClient, provider: UUID, **body: Any) -> Any:
    return client.post("/v1/offerings", json={**GARDENING, **body}, headers=auth(provider))


def created(client: TestClient, provider: UUID, **body: Any) -> str:
    response = offer(client, provider, **body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def titles(client: TestClient, caller: UUID | None = None, **params: Any) -> list[str]:
    response = client.get("/v1/offerings", params=params, headers=auth(caller or uuid4()))
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def test_a_member_offers_a_service(client: TestClient) -> None:
    provider = member(client)

    response = offer(client, provider, title=" Garden help ", category=" GARDEN ")

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "provider_id": str(provider),
        "title": "Garden help",
        "description": "Weeding and pruning",
        "category": "garden",
        "rate": "1.00",
        "response_window_hours": 24,
        "status": "APPROVED",
        "active": True,
        "review_note": None,
        "reviewed_by": None,
        "version": 0,
        "created_at": "2026-03-01T12:00:00Z",
    }
    fetched = client.get(f"/v1/offerings/{body['id']}", headers=auth(uuid4()))
    assert fetched.json() == body


def test_rate_and_window_may_be_chosen(client: TestClient) -> None:
    provider = member(client)

    body = offer(client, provider, rate=1.5, response_window_hours=72, description="").json()

    assert (body["rate"], body["response_window_hours"], body["description"]) == ("1.50", 72, "")


def test_only_registered_active_members_offer(client: TestClient) -> None:
    suspended = member(client)
    client.post(
        f"/v1/members/{suspended}/suspend",
        json={"reason": "spam"},
        headers=auth(uuid4(), admin=True),
    )

    stranger = offer(client, uuid4())
    refused = offer(client, suspended)

    assert (stranger.status_code, refused.status_code) == (403, 403)
    assert "register first" in stranger.json()["detail"]
    assert "SUSPENDED" in refused.json()["detail"]
    assert refused.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"rate": "1.234"}, "rate"),
        ({"rate": 0}, "rate"),
        ({"rate": "100.01"}, "rate"),
        ({"rate": "NaN"}, "rate"),
        ({"response_window_hours": 1}, "response_window_hours"),
        ({"response_window_hours": 73}, "response_window_hours"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 121}, "title"),
        ({"description": "d" * 2001}, "description"),
        ({"category": ""}, "category"),
        ({"category": "c" * 41}, "category"),
    ],
)
def test_bad_offerings_are_invalid_input(
    client: TestClient, change: dict[str, Any], where: str
) -> None:
    response = offer(client, member(client), **change)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"].startswith(where)


def test_without_a_token_it_is_401(client: TestClient) -> None:
    assert client.get("/v1/offerings").status_code == 401
    assert client.post("/v1/offerings", json=GARDENING).status_code == 401


def test_search_filters_by_category_provider_and_text(
    client: TestClient, clock: FixedClock
) -> None:
    ada, bob = member(client), member(client)
    for provider, body in [
        (ada, {"title": "Garden help", "description": "Weeding"}),
        (ada, {"title": "Bike repair", "description": "Flat tyres", "category": "repairs"}),
        (bob, {"title": "Lawn mowing", "description": "With my own GARDEN tools"}),
        (bob, {"title": "100% cotton mending", "category": "repairs"}),
    ]:
        created(client, provider, **body)
        clock.advance(timedelta(minutes=1))

    assert titles(client, category="REPAIRS") == ["100% cotton mending", "Bike repair"]
    assert titles(client, provider_id=str(ada)) == ["Bike repair", "Garden help"]
    assert titles(client, q="garden") == ["Lawn mowing", "Garden help"]
    assert titles(client, q="100%") == ["100% cotton mending"]
    assert titles(client, q="0_") == []
    assert titles(client, q="garden", provider_id=str(bob)) == ["Lawn mowing"]


def test_search_pages_newest_first(client: TestClient, clock: FixedClock) -> None:
    provider = member(client)
    for title in ("first", "second", "third"):
        created(client, provider, title=title)
        clock.advance(timedelta(minutes=1))
    headers = auth(provider)

    page = client.get("/v1/offerings", params={"limit": 2}, headers=headers).json()
    rest = client.get(
        "/v1/offerings", params={"limit": 2, "cursor": page["next_cursor"]}, headers=headers
    ).json()

    assert [item["title"] for item in page["items"]] == ["third", "second"]
    assert [item["title"] for item in rest["items"]] == ["first"]
    assert rest["next_cursor"] is None


def test_offerings_created_at_the_same_instant_page_without_gaps(client: TestClient) -> None:
    provider = member(client)
    made = {created(client, provider, title=f"t{n}") for n in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/offerings", params=params, headers=auth(provider)).json()
        seen += [item["id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break

    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=nonsense", "cursor=YXQ6eHx5"])
def test_bad_paging_is_invalid_input(client: TestClient, query: str) -> None:
    response = client.get(f"/v1/offerings?{query}", headers=auth(uuid4()))

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_an_unknown_offering_is_404(client: TestClient) -> None:
    response = client.get(f"/v1/offerings/{uuid4()}", headers=auth(uuid4()))

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def test_the_provider_revises_only_what_they_send(client: TestClient) -> None:
    provider = member(client)
    offering_id = created(client, provider)

    response = client.patch(
        f"/v1/offerings/{offering_id}",
        json={"rate": "2.50", "category": "Outdoors", "response_window_hours": 2},
        headers=auth(provider),
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["rate"], body["category"], body["response_window_hours"]) == (
        "2.50",
        "outdoors",
        2,
    )
    assert (body["title"], body["description"]) == (GARDENING["title"], GARDENING["description"])
    fetched = client.get(f"/v1/offerings/{offering_id}", headers=auth(provider)).json()
    assert fetched == body


def test_others_may_not_revise_or_withdraw(client: TestClient) -> None:
    provider, other = member(client), member(client)
    offering_id = created(client, provider)

    patched = client.patch(
        f"/v1/offerings/{offering_id}", json={"title": "Mine now"}, headers=auth(other)
    )
    deleted = client.delete(f"/v1/offerings/{offering_id}", headers=auth(other))
    admin = client.delete(f"/v1/offerings/{offering_id}", headers=auth(uuid4(), admin=True))

    assert (patched.status_code, deleted.status_code, admin.status_code) == (403, 403, 403)
    assert patched.headers["content-type"] == PROBLEM
    assert "only the provider" in patched.json()["detail"]
    fetched = client.get(f"/v1/offerings/{offering_id}", headers=auth(other)).json()
    assert (fetched["title"], fetched["active"]) == (GARDENING["title"], True)


@pytest.mark.parametrize(
    "change",
    [{"title": None}, {"rate": "1.234"}, {"response_window_hours": 1}, {"title": ""}],
)
def test_a_bad_revision_is_invalid_input(client: TestClient, change: dict[str, Any]) -> None:
    provider = member(client)
    offering_id = created(client, provider)

    response = client.patch(f"/v1/offerings/{offering_id}", json=change, headers=auth(provider))

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_revising_or_withdrawing_an_unknown_offering_is_404(client: TestClient) -> None:
    provider = member(client)
    path = f"/v1/offerings/{uuid4()}"

    patched = client.patch(path, json={"title": "x"}, headers=auth(provider))
    deleted = client.delete(path, headers=auth(provider))

    assert (patched.status_code, deleted.status_code) == (404, 404)


def test_withdrawing_hides_the_offering_from_others_and_is_idempotent(client: TestClient) -> None:
    provider = member(client)
    offering_id = created(client, provider)
    path = f"/v1/offerings/{offering_id}"

    first = client.delete(path, headers=auth(provider))
    second = client.delete(path, headers=auth(provider))

    assert (first.status_code, second.status_code) == (204, 204)
    assert client.get(path, headers=auth(provider)).json()["active"] is False
    assert titles(client) == []
    assert titles(client, include_withdrawn=True) == []  # others see only APPROVED offerings
    own = {"provider_id": str(provider)}
    assert titles(client, provider, **own) == []
    assert titles(client, provider, include_withdrawn=True, **own) == [GARDENING["title"]]
    assert client.get(path, headers=auth(uuid4())).status_code == 404
    patched = client.patch(path, json={"title": "Back again"}, headers=auth(provider))
    assert patched.status_code == 409
    assert "withdrawn" in patched.json()["detail"]
