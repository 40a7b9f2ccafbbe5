"""Admin actions through the API against the real PostgreSQL: each refusal of an admin acting on
their own account, the second admin for large adjustments, and the audit record (admin ids
and reason) in the member's transaction history, the tables and the outbox."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.adapters import tables
from hourbank_escrow.api import create_app
from hourbank_escrow.consumers import REACTIONS
from hourbank_escrow.settings import EscrowSettings
from hourbank_shared.clock import FixedClock
from hourbank_shared.contracts.disputes import DisputeResolved
from hourbank_shared.contracts.enums import DisputeResolution
from hourbank_shared.envelope import Envelope

from .saga_feed import escrow_for
from .story import Story, registered
from .test_api import NOW, PROBLEM, SECRET, Bank, auth

pytestmark = pytest.mark.integration

ADMIN, SECOND_ADMIN = uuid4(), uuid4()


@pytest.fixture
def bank(sessions: sessionmaker[Session]) -> Bank:
    return Bank(sessions)


@pytest.fixture
def client(migrated_url: str, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    settings = EscrowSettings(
        database_url=migrated_url, jwt_secret=SECRET, adjustment_approval_above=Decimal("10.00")
    )
    with TestClient(create_app(settings, sessions, FixedClock(NOW))) as test_client:
        yield test_client


def as_admin(admin: UUID) -> dict[str, str]:
    return auth(admin, admin=True)


def adjust(client: TestClient, member: UUID, amount: str, admin: UUID = ADMIN) -> Any:
    body = {"amount": amount, "reason": "ran the repair café"}
    return client.post(f"/v1/accounts/{member}/adjustments", json=body, headers=as_admin(admin))


def outbox_events(sessions: sessionmaker[Session], member: UUID) -> list[dict[str, Any]]:
    outbox = tables.outbox.c
    query = select(outbox.payload).where(outbox.key == str(member)).order_by(outbox.id)
    with sessions() as session:
        return [
            json.loads(p) if isinstance(p, str) else p for p in session.execute(query).scalars()
        ]


def assert_forbidden(response: Any, words: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM
    assert words in response.json()["detail"]


def test_an_adjustment_shows_the_admin_and_reason_in_the_history_and_the_event(
    client: TestClient, bank: Bank, sessions: sessionmaker[Session]
) -> None:
    member = bank.open(uuid4())

    done = adjust(client, member, "2.00")

    assert done.status_code == 201, done.text
    latest = client.get("/v1/accounts/me/transactions", headers=auth(member)).json()["items"][0]
    assert (latest["type"], latest["reason"]) == ("ADMIN_ADJUSTMENT", "ran the repair café")
    assert (latest["by_admin_id"], latest["approved_by_admin_id"]) == (str(ADMIN), None)
    changed = outbox_events(sessions, member)[-1]["data"]
    assert (changed["by_admin_id"], changed["reason"]) == (str(ADMIN), "ran the repair café")
    bonus = client.get("/v1/accounts/me/transactions", headers=auth(member)).json()["items"][-1]
    assert bonus["by_admin_id"] is None


def test_an_admin_may_not_adjust_their_own_account_or_set_their_own_credit_limit(
    client: TestClient, bank: Bank
) -> None:
    admin = bank.open(uuid4())
    limit = {"credit_limit": "50.00", "reason": "I deserve it"}

    small = adjust(client, admin, "1.00", admin=admin)
    large = adjust(client, admin, "50.00", admin=admin)
    credit = client.put(f"/v1/accounts/{admin}/credit-limit", json=limit, headers=as_admin(admin))

    assert_forbidden(small, "may not adjust their own account")
    assert_forbidden(large, "may not adjust their own account")
    assert_forbidden(credit, "may not set their own credit limit")
    account = client.get(f"/v1/accounts/{admin}", headers=as_admin(SECOND_ADMIN)).json()
    assert (account["total"], account["credit_limit"]) == ("3.00", "0.00")
    assert bank.outbox_types(admin) == []


def test_a_credit_limit_change_needs_a_reason_and_is_recorded_with_it(
    client: TestClient, bank: Bank, sessions: sessionmaker[Session]
) -> None:
    member = bank.open(uuid4())
    url = f"/v1/accounts/{member}/credit-limit"

    missing = client.put(url, json={"credit_limit": "2.00"}, headers=as_admin(ADMIN))
    changed = client.put(
        url, json={"credit_limit": "2.00", "reason": "moving house"}, headers=as_admin(ADMIN)
    )

    assert missing.status_code == 422 and "reason" in missing.json()["detail"]
    assert changed.status_code == 200, changed.text
    event = outbox_events(sessions, member)[-1]
    assert event["type"] == "hourbank.account.credit_limit_changed.v1"
    assert (event["data"]["by_admin_id"], event["data"]["reason"]) == (str(ADMIN), "moving house")
    history = tables.credit_limit_changes.c
    with sessions() as session:
        row = session.execute(select(tables.credit_limit_changes)).one()._mapping
    assert (row[history.member_id], row[history.by_admin_id], row[history.reason]) == (
        member,
        ADMIN,
        "moving house",
    )
    assert (str(row[history.previous]), str(row[history.credit_limit])) == ("0.00", "2.00")


def test_a_large_adjustment_waits_for_a_second_admin_then_posts_naming_both(
    client: TestClient, bank: Bank, sessions: sessionmaker[Session]
) -> None:
    member = bank.open(uuid4())

    asked = adjust(client, member, "25.00")
    assert asked.status_code == 202, asked.text
    pending = asked.json()
    assert (pending["status"], pending["requested_by"], pending["amount"]) == (
        "PENDING",
        str(ADMIN),
        "25.00",
    )
    assert client.get("/v1/accounts/me", headers=auth(member)).json()["total"] == "3.00"
    waiting = client.get("/v1/ledger/adjustments", headers=as_admin(SECOND_ADMIN)).json()
    assert pending["id"] in [item["id"] for item in waiting["items"]]
    approve = f"/v1/ledger/adjustments/{pending['id']}/approve"

    by_requester = client.post(approve, headers=as_admin(ADMIN))
    by_member = client.post(approve, headers=as_admin(member))
    assert_forbidden(by_requester, "who asked for an adjustment may not approve it")
    assert_forbidden(by_member, "their own account")

    approved = client.post(approve, headers={**as_admin(SECOND_ADMIN), "Idempotency-Key": "ok"})
    replayed = client.post(approve, headers={**as_admin(SECOND_ADMIN), "Idempotency-Key": "ok"})
    again = client.post(approve, headers=as_admin(uuid4()))

    assert approved.status_code == 200, approved.text
    assert approved.json()["account"]["total"] == "28.00"
    assert replayed.json() == approved.json()
    assert again.status_code == 409 and "APPROVED" in again.json()["detail"]
    latest = client.get("/v1/accounts/me/transactions", headers=auth(member)).json()["items"][0]
    assert (latest["by_admin_id"], latest["approved_by_admin_id"], latest["delta_total"]) == (
        str(ADMIN),
        str(SECOND_ADMIN),
        "25.00",
    )
    assert latest["transaction_id"] == approved.json()["transaction_id"]
    changed = outbox_events(sessions, member)[-1]["data"]
    assert (changed["by_admin_id"], changed["approved_by_admin_id"]) == (
        str(ADMIN),
        str(SECOND_ADMIN),
    )
    done = client.get(
        "/v1/ledger/adjustments", params={"status": "APPROVED"}, headers=as_admin(ADMIN)
    ).json()["items"]
    mine = next(item for item in done if item["id"] == pending["id"])
    assert (mine["decided_by"], mine["transaction_id"]) == (
        str(SECOND_ADMIN),
        latest["transaction_id"],
    )


def test_a_second_admin_may_reject_a_large_adjustment_for_a_reason(
    client: TestClient, bank: Bank
) -> None:
    member = bank.open(uuid4())
    pending = adjust(client, member, "-40.00").json()
    reject = f"/v1/ledger/adjustments/{pending['id']}/reject"

    by_requester = client.post(reject, json={"reason": "mine"}, headers=as_admin(ADMIN))
    no_reason = client.post(reject, json={"reason": " "}, headers=as_admin(SECOND_ADMIN))
    rejected = client.post(reject, json={"reason": "no receipt"}, headers=as_admin(SECOND_ADMIN))
    approve = f"/v1/ledger/adjustments/{pending['id']}/approve"
    late = client.post(approve, headers=as_admin(uuid4()))

    assert_forbidden(by_requester, "may not reject it")
    assert no_reason.status_code == 422
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == (
        "REJECTED",
        "no receipt",
    )
    assert late.status_code == 409
    assert client.get("/v1/accounts/me", headers=auth(member)).json()["total"] == "3.00"
    assert bank.outbox_types(member) == []


def test_pending_adjustments_are_for_admins_only_and_unknown_ones_are_404(
    client: TestClient, bank: Bank
) -> None:
    member = bank.open(uuid4())
    unknown = f"/v1/ledger/adjustments/{uuid4()}/approve"

    assert client.get("/v1/ledger/adjustments", headers=auth(member)).status_code == 403
    assert client.post(unknown, headers=auth(member)).status_code == 403
    assert client.post(unknown, headers=as_admin(ADMIN)).status_code == 404
    assert adjust(client, uuid4(), "50.00").status_code == 404


def test_a_dispute_s_resolution_carries_the_deciding_admin_and_note_into_the_ledger(
    migrated_url: str, client: TestClient, sessions: sessionmaker[Session]
) -> None:
    escrow, story = escrow_for(migrated_url), Story()
    events = [
        registered(story.requester_id),
        registered(story.provider_id),
        story.submitted("2.00"),
        story.disputed(),
        story.resolved(DisputeResolution.SPLIT, "0.50", "1.50"),
    ]
    for event in events:
        REACTIONS[event.TYPE](escrow.context, Envelope.wrap(event, source="/test"), event)
    escrow.engine.dispose()
    decision = events[-1]
    assert isinstance(decision, DisputeResolved)

    for member in (story.requester_id, story.provider_id):
        history = client.get("/v1/accounts/me/transactions", headers=auth(member)).json()
        latest = history["items"][0]
        assert (latest["type"], latest["by_admin_id"], latest["reason"]) == (
            "DISPUTE_RESOLUTION",
            str(decision.admin_id),
            decision.note,
        )
        assert outbox_events(sessions, member)[-1]["data"]["by_admin_id"] == str(decision.admin_id)
