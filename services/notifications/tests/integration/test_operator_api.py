"""An admin reads every party's notifications about one request and its disputes (the
console's timeline); members still see only their own."""

from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from hourbank_notifications.handlers import Context
from hourbank_shared.auth.devtoken import dev_token

from ..events import Story
from .test_notifications_api import SECRET, app, auth, client, deliver

pytestmark = pytest.mark.integration
__all__ = ["app", "client"]  # the fixtures this module uses

ADMIN = {"Authorization": f"Bearer {dev_token(uuid4(), SECRET, admin=True)}"}


def about(client: TestClient, headers: dict[str, str], **params: object) -> list[tuple[UUID, str]]:
    answer = client.get("/v1/notifications", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [(UUID(n["member_id"]), n["type"]) for n in answer.json()["items"]]


def test_an_admin_sees_every_partys_notifications_about_a_request(
    ctx: Context, client: TestClient
) -> None:
    story, elsewhere = Story(), Story()
    for event in (story.awaiting_response(), story.accepted(), story.dispute_opened()):
        deliver(ctx, event)
    deliver(ctx, elsewhere.awaiting_response())
    request_id, dispute_id = story.request_id, story.dispute_id
    requester, provider = story.requester, story.provider

    by_request = about(client, ADMIN, request_id=request_id)
    with_dispute = about(client, ADMIN, request_id=request_id, dispute_id=dispute_id)
    first = client.get(
        "/v1/notifications", headers=ADMIN, params={"request_id": request_id, "limit": 1}
    ).json()
    own = about(client, auth(requester), request_id=request_id, dispute_id=dispute_id)
    stranger = about(client, auth(elsewhere.requester), request_id=request_id)

    received, accepted = (provider, "REQUEST_RECEIVED"), (requester, "REQUEST_ACCEPTED")
    opened = [(requester, "DISPUTE_OPENED"), (provider, "DISPUTE_OPENED")]
    assert sorted(by_request) == sorted([received, accepted])
    assert sorted(with_dispute) == sorted([received, accepted, *opened])
    assert len(first["items"]) == 1 and first["next_cursor"] is not None
    assert sorted(own) == sorted([accepted, (requester, "DISPUTE_OPENED")])
    assert stranger == []


def test_without_a_filter_an_admin_sees_only_their_own(ctx: Context, client: TestClient) -> None:
    deliver(ctx, Story().awaiting_response())

    assert about(client, ADMIN) == []
