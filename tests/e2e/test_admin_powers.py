"""Admin powers through the gateway: audited (admin ids and reason in the member's statement
and on the ledger topic) and bounded (never on their own account; a second admin for
adjustments above HOURBANK_ESCROW_ADJUSTMENT_APPROVAL_ABOVE, 10.00 h by default)."""

import pytest

from hourbank_shared.contracts import topics as topic
from hourbank_stack.client import Caller, Gateway

from .checks import balance, problem
from .topics import TopicWatch

pytestmark = pytest.mark.integration


def test_a_large_adjustment_waits_for_a_second_admin(
    gateway: Gateway, admin: Caller, topics: TopicWatch
) -> None:
    member = gateway.register("treasurer's friend")
    second = gateway.register("second admin", admin=True)
    path = f"/v1/accounts/{member.id}/adjustments"

    asked = admin.send("POST", path, {"amount": "25.00", "reason": "ran the tool library"})
    assert asked.status_code == 202, asked.text
    pending = asked.json()
    assert (pending["status"], pending["requested_by"]) == ("PENDING", str(admin.id))
    assert member.balance() == balance("3.00", "3.00", "0.00")
    waiting = second.get("/v1/ledger/adjustments")["items"]
    assert pending["id"] in [item["id"] for item in waiting]

    approve = f"/v1/ledger/adjustments/{pending['id']}/approve"
    problem(admin.send("POST", approve), 403, "may not approve it")
    done = second.post(approve)

    assert done["account"]["total"] == "28.00"
    latest = member.get("/v1/accounts/me/transactions")["items"][0]
    assert (latest["by_admin_id"], latest["approved_by_admin_id"]) == (
        str(admin.id),
        str(second.id),
    )
    [*_, posting] = topics.postings(str(member.id), "WELCOME_BONUS", "ADMIN_ADJUSTMENT")
    assert (posting["by_admin_id"], posting["approved_by_admin_id"]) == (
        str(admin.id),
        str(second.id),
    )


def test_an_admin_may_not_adjust_or_limit_their_own_account(admin: Caller) -> None:
    own = f"/v1/accounts/{admin.id}"
    adjustment = {"amount": "5.00", "reason": "for me"}
    problem(admin.send("POST", f"{own}/adjustments", adjustment), 403, "their own account")
    limit = {"credit_limit": "50.00", "reason": "for me"}
    problem(admin.send("PUT", f"{own}/credit-limit", limit), 403, "their own credit limit")
    assert admin.balance() == balance("3.00", "3.00", "0.00")


def test_a_credit_limit_change_carries_its_reason(
    gateway: Gateway, admin: Caller, topics: TopicWatch
) -> None:
    member = gateway.register("borrower")
    limit = {"credit_limit": "2.00", "reason": "between jobs"}
    admin.put(f"/v1/accounts/{member.id}/credit-limit", limit)
    changed = topics.expect(
        topic.LEDGER,
        str(member.id),
        ["hourbank.account.credit_limit_changed.v1"],
        keep=lambda e: e["type"].endswith("credit_limit_changed.v1"),
    )[-1]["data"]
    assert (changed["by_admin_id"], changed["reason"]) == (str(admin.id), "between jobs")
