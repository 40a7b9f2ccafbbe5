"""SPEC §3 through the gateway: the welcome bonus, admin adjustments and credit limits."""

import uuid

import pytest

from hourbank_shared.contracts import topics as topic
from hourbank_stack.client import Caller, Gateway

from .checks import balance, notified, problem, settles_at
from .parties import make_pair
from .topics import TopicWatch

pytestmark = pytest.mark.integration


def test_welcome_bonus_is_granted_exactly_once(gateway: Gateway, topics: TopicWatch) -> None:
    member = gateway.register("newcomer")
    assert member.balance() == balance("3.00", "3.00", "0.00")
    again = member.send("POST", "/v1/members", {"display_name": "newcomer again"})
    problem(again, 409, "already registered")

    v1, _ = topics.expect(
        topic.MEMBERS,
        str(member.id),
        ["hourbank.member.registered.v1", "hourbank.member.registered.v2"],
    )
    assert v1["data"]["email"] is None, "no contact data on a public topic"
    topics.expect(topic.MEMBER_CONTACTS, str(member.id), ["hourbank.member.contact_changed.v1"])
    _, bonus = topics.expect(
        topic.LEDGER,
        str(member.id),
        ["hourbank.account.opened.v1", "hourbank.ledger.balance_changed.v1"],
    )
    assert (bonus["data"]["delta_total"], bonus["data"]["total_after"]) == ("3.00", "3.00")
    assert member.balance() == balance("3.00", "3.00", "0.00")
    statement = member.get("/v1/accounts/me/transactions")["items"]
    assert [(t["type"], t["delta_total"]) for t in statement] == [("WELCOME_BONUS", "3.00")]
    notification = notified(member, "WELCOME_BONUS", bonus["data"]["transaction_id"])
    assert "3.00" in notification["message"]


def test_admin_adjustment_moves_hours_once_per_key(
    gateway: Gateway, admin: Caller, topics: TopicWatch
) -> None:
    member = gateway.register("volunteer")
    path = f"/v1/accounts/{member.id}/adjustments"
    key = str(uuid.uuid4())
    body = {"amount": "2.50", "reason": "organised the seed swap"}
    first = admin.send("POST", path, body, idempotency_key=key)
    assert first.status_code == 201, first.text
    assert first.json()["account"]["total"] == "5.50"
    repeated = admin.send("POST", path, body, idempotency_key=key)
    assert (repeated.status_code, repeated.json()) == (201, first.json())
    reused = admin.send("POST", path, {**body, "amount": "9.00"}, idempotency_key=key)
    problem(reused, 422, "Idempotency-Key")

    taken = admin.post(path, {"amount": "-1.25", "reason": "double-counted"})
    assert taken["account"]["total"] == "4.25"
    too_much = admin.send("POST", path, {"amount": "-4.26", "reason": "more than there is"})
    problem(too_much, 409, "4.26")
    assert member.balance() == balance("4.25", "4.25", "0.00")
    assert admin.get(f"/v1/accounts/{member.id}")["total"] == "4.25"

    postings = topics.postings(
        str(member.id), "WELCOME_BONUS", "ADMIN_ADJUSTMENT", "ADMIN_ADJUSTMENT"
    )
    assert [p["delta_total"] for p in postings] == ["3.00", "2.50", "-1.25"]
    assert postings[1]["reason"] == "organised the seed swap"
    statement = member.get("/v1/accounts/me/transactions")["items"]
    assert [t["type"] for t in statement] == [
        "ADMIN_ADJUSTMENT",
        "ADMIN_ADJUSTMENT",
        "WELCOME_BONUS",
    ]
    notified(member, "BALANCE_ADJUSTED", first.json()["transaction_id"])


def test_credit_limit_lets_available_go_below_zero(
    gateway: Gateway, admin: Caller, topics: TopicWatch
) -> None:
    pair = make_pair(gateway)
    path = f"/v1/accounts/{pair.requester.id}/credit-limit"
    limit = admin.put(path, {"credit_limit": "1.00", "reason": "a trusted neighbour"})
    assert limit["credit_limit"] == "1.00"
    changed = topics.expect(
        topic.LEDGER,
        str(pair.requester.id),
        ["hourbank.account.credit_limit_changed.v1"],
        keep=lambda e: e["type"].endswith("credit_limit_changed.v1"),
    )[-1]["data"]
    assert (changed["previous"], changed["credit_limit"]) == ("0.00", "1.00")
    assert changed["by_admin_id"] == str(admin.id)
    rid = pair.submit("4.00")["id"]
    assert pair.requester.balance() == balance("3.00", "-1.00", "4.00")
    another = pair.provider.offer("Weeding")
    over = pair.requester.submit(another["id"], "0.01", "one more")
    rejected = pair.requester.wait_status(over["id"], "REJECTED", "AWAITING_RESPONSE")
    assert rejected["status"] == "REJECTED"
    assert rejected["reason"].startswith("INSUFFICIENT_BALANCE")
    pair.requester.act(rid, "cancel")
    settles_at(pair.requester, "3.00", "3.00", "0.00")
