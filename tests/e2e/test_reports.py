"""Moderation through the gateway (docs/moderation.md): members report offerings and members,
a second report collapses into the open one, self-reports and wrong decisions are refused, and
each decision is carried out by the requests service and told to the members concerned."""

from typing import Any

import pytest

from hourbank_shared.contracts import topics as contract_topics
from hourbank_stack.client import Caller, wait_for

from .checks import notified, problem
from .parties import Pair
from .topics import TopicWatch

pytestmark = pytest.mark.integration


def report(caller: Caller, subject_type: str, subject_id: Any, reason: str = "FRAUD") -> Any:
    body = {"subject_type": subject_type, "subject_id": str(subject_id), "reason": reason,
            "text": "asks to be paid outside the bank"}  # fmt: skip
    return caller.send("POST", "/v1/reports", body)


def filed(caller: Caller, subject_type: str, subject_id: Any) -> dict[str, Any]:
    response = report(caller, subject_type, subject_id)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def resolve(admin: Caller, report_id: str, action: str) -> Any:
    body = {"action": action, "note": f"{action.lower()} after review"}
    return admin.send("POST", f"/v1/reports/{report_id}/resolve", body)


def resolved(admin: Caller, report_id: str, action: str) -> dict[str, Any]:
    response = resolve(admin, report_id, action)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert (body["status"], body["action"], body["resolved_by"]) == (
        "RESOLVED", action, str(admin.id),
    )  # fmt: skip
    return body


def notified_of(caller: Caller, type_: str) -> dict[str, Any]:
    """The caller's notification of this type (one not about a request or dispute)."""

    def found() -> dict[str, Any] | None:
        return next((n for n in caller.notifications() if n["type"] == type_), None)

    return wait_for(found, f"a {type_} notification for {caller.name}")


def naming_provider(caller: Caller, report_id: str, provider: Caller) -> dict[str, Any]:
    """The report once disputes knows the offering's provider (from the offering's events)."""

    def check() -> dict[str, Any] | None:
        found: dict[str, Any] = caller.get(f"/v1/reports/{report_id}")
        return found if found["subject_member_id"] == str(provider.id) else None

    return wait_for(check, f"report {report_id} to name the offering's provider")


def test_an_offering_report_is_filed_collapsed_and_the_offering_withdrawn(
    pair: Pair, admin: Caller, topics: TopicWatch
) -> None:
    offering_id = pair.offering["id"]
    first = filed(pair.requester, "OFFERING", offering_id)
    again = report(pair.requester, "OFFERING", offering_id)
    own = report(pair.provider, "OFFERING", offering_id)

    assert (first["status"], first["reporter_id"]) == ("OPEN", str(pair.requester.id))
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    problem(own, 422, "your own offering")
    naming_provider(pair.requester, first["id"], pair.provider)
    notified(admin, "REPORT_NEW", first["id"])
    problem(pair.provider.send("GET", f"/v1/reports/{first['id']}"), 404)  # not theirs to see
    mine = pair.requester.get("/v1/reports", status="OPEN")["items"]
    assert [r["id"] for r in mine] == [first["id"]]
    queue = admin.get("/v1/reports", status="OPEN", limit=200)["items"]
    assert first["id"] in {r["id"] for r in queue}

    problem(resolve(pair.requester, first["id"], "DISMISS"), 403)
    resolved(admin, first["id"], "WITHDRAW_OFFERING")
    problem(resolve(admin, first["id"], "DISMISS"), 409, "RESOLVED")

    wait_for(
        lambda: pair.provider.get(f"/v1/offerings/{offering_id}")["status"] == "WITHDRAWN",
        "the requests service to withdraw the offering",
    )
    told = notified(pair.provider, "OFFERING_WITHDRAWN", offering_id)
    assert told["message"].endswith("After a report (FRAUD): withdraw_offering after review")
    assert str(pair.requester.id) not in told["message"]
    outcome = notified(pair.requester, "REPORT_RESOLVED", first["id"])
    assert "the offering is withdrawn" in outcome["message"]
    [decision] = topics.expect(contract_topics.DISPUTES, first["id"], [
        "hourbank.report.filed.v1", "hourbank.report.resolved.v1",
    ])[1:]  # fmt: skip
    [withdrawn] = topics.expect(
        contract_topics.MEMBERS, str(pair.provider.id), ["hourbank.offering.withdrawn.v1"],
        keep=lambda e: e["type"] == "hourbank.offering.withdrawn.v1",
    )  # fmt: skip
    assert withdrawn["causationid"] == decision["id"]
    assert withdrawn["data"]["by_admin"] is True


def test_a_member_report_suspends_the_member(pair: Pair, admin: Caller) -> None:
    problem(report(pair.requester, "MEMBER", pair.requester.id), 422, "yourself")
    member_report = filed(pair.requester, "MEMBER", pair.provider.id)
    assert member_report["subject_member_id"] == str(pair.provider.id)

    problem(resolve(admin, member_report["id"], "WITHDRAW_OFFERING"), 422, "MEMBER report")
    resolved(admin, member_report["id"], "SUSPEND_MEMBER")

    wait_for(
        lambda: pair.provider.get("/v1/members/me")["status"] == "SUSPENDED",
        "the requests service to suspend the member",
    )
    suspended = notified_of(pair.provider, "MEMBER_SUSPENDED")
    assert suspended["message"].startswith("After a report (FRAUD): suspend_member after review")
    outcome = notified(pair.requester, "REPORT_RESOLVED", member_report["id"])
    assert "the member is suspended" in outcome["message"]
    refused = pair.requester.send(
        "POST", "/v1/requests",
        {"offering_id": pair.offering["id"], "hours": "1.00", "message": "x"},
    )  # fmt: skip
    problem(refused, 409, "provider is suspended")


def test_a_dismissed_report_changes_nothing_but_tells_the_reporter(
    pair: Pair, admin: Caller
) -> None:
    member_report = filed(pair.provider, "MEMBER", pair.requester.id)
    resolved(admin, member_report["id"], "DISMISS")

    outcome = notified(pair.provider, "REPORT_RESOLVED", member_report["id"])
    assert "no action was taken" in outcome["message"]
    assert pair.requester.get("/v1/members/me")["status"] == "ACTIVE"
    again = filed(pair.provider, "MEMBER", pair.requester.id)  # the first is closed: a new one
    assert again["id"] != member_report["id"]
