"""Suspensions and reactivations are an admin's, with a reason, never on themselves: through the
API against the real PostgreSQL."""

from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from .test_members_api import PROBLEM, auth, client, outbox, register, sessions

pytestmark = pytest.mark.integration
__all__ = ["client", "sessions"]  # the fixtures this module uses


def test_an_admin_may_not_suspend_or_reactivate_themselves(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    admin, other_admin = uuid4(), uuid4()
    register(client, admin, admin=True)
    before = len(outbox(sessions, admin))

    myself = client.post(
        f"/v1/members/{admin}/suspend", json={"reason": "test"}, headers=auth(admin, admin=True)
    )
    suspended = client.post(
        f"/v1/members/{admin}/suspend",
        json={"reason": "left"},
        headers=auth(other_admin, admin=True),
    )
    back = client.post(
        f"/v1/members/{admin}/reactivate", json={"reason": "back"}, headers=auth(admin, admin=True)
    )

    for refused, action in ((myself, "suspend"), (back, "reactivate")):
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert f"may not {action} themselves" in refused.json()["detail"]
    assert suspended.status_code == 200
    assert [e["type"] for e in outbox(sessions, admin)[before:]] == ["hourbank.member.suspended.v1"]


def test_a_reactivation_needs_a_reason_carried_in_its_event(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    member, admin = uuid4(), auth(uuid4(), admin=True)
    register(client, member)
    client.post(f"/v1/members/{member}/suspend", json={"reason": "spam"}, headers=admin)
    url = f"/v1/members/{member}/reactivate"

    without = client.post(url, headers=admin)
    blank = client.post(url, json={"reason": "   "}, headers=admin)
    done = client.post(url, json={"reason": "apologised to everyone"}, headers=admin)

    assert (without.status_code, blank.status_code) == (422, 422)
    assert "reason" in blank.json()["detail"]
    assert done.status_code == 200
    event = outbox(sessions, member)[-1]
    assert event["type"] == "hourbank.member.reactivated.v1"
    assert event["data"]["reason"] == "apologised to everyone"
