"""SPEC §5 through the gateway: a dispute pauses the request and freezes the hold; each
resolution settles it exactly, a dismissal resumes the request where it was."""

from decimal import Decimal
from typing import Any

import pytest

from hourbank_stack.client import Caller, wait_for

from .checks import balance, notified, problem, settles_at, triggers
from .parties import Pair, open_dispute
from .topics import TopicWatch

pytestmark = pytest.mark.integration


def confirmed(caller: Caller, dispute_id: str) -> dict[str, Any]:
    """The dispute once the requests service confirmed the request DISPUTED."""

    def check() -> dict[str, Any] | None:
        dispute: dict[str, Any] = caller.get(f"/v1/disputes/{dispute_id}")
        return dispute if dispute["request_confirmed"] else None

    return wait_for(check, f"dispute {dispute_id} to be confirmed")


def disputed(pair: Pair, admin: Caller, request_id: str) -> dict[str, Any]:
    """The requester disputes; the request is DISPUTED, its deadline paused, the hold frozen;
    the admin takes the dispute."""
    status_before = pair.requester.request(request_id)["status"]
    dispute = open_dispute(pair.requester, request_id)
    assert (dispute["status"], dispute["raised_by"], dispute["against"]) == (
        "OPEN",
        str(pair.requester.id),
        str(pair.provider.id),
    )
    request = pair.requester.wait_status(request_id, "DISPUTED")
    assert (request["previous_status"], request["dispute_id"]) == (status_before, dispute["id"])
    assert request["deadline_at"] is None
    confirmed(pair.requester, dispute["id"])
    wait_for(
        lambda: pair.provider.get(f"/v1/escrows/{request_id}")["status"] == "FROZEN",
        "the hold to freeze",
    )
    notified(admin, "DISPUTE_NEW", dispute["id"])
    notified(pair.provider, "DISPUTE_OPENED", dispute["id"])
    second = pair.provider.send(
        "POST",
        "/v1/disputes",
        {"request_id": request_id, "type": "OTHER", "description": "me too"},
    )
    problem(second, 409)
    evidence = {"kind": "link", "content": "https://example.org/photo.jpg"}
    assert pair.provider.post(f"/v1/disputes/{dispute['id']}/evidence", evidence)["kind"] == "link"
    assigned = admin.post(f"/v1/disputes/{dispute['id']}/assign")
    assert (assigned["status"], assigned["assigned_admin"]) == ("UNDER_REVIEW", str(admin.id))
    return dispute


@pytest.mark.parametrize(
    ("resolution", "provider_hours", "ends", "provider_gets", "requester_gets"),
    [
        ("PAY_PROVIDER", None, "PAID", "2.00", "0.00"),
        ("REFUND_REQUESTER", None, "REFUNDED", "0.00", "2.00"),
        ("SPLIT", "0.75", "SETTLED", "0.75", "1.25"),
    ],
)
def test_resolution_settles_the_hold(
    pair: Pair,
    admin: Caller,
    topics: TopicWatch,
    resolution: str,
    provider_hours: str | None,
    ends: str,
    provider_gets: str,
    requester_gets: str,
) -> None:
    rid = pair.in_progress("2.00")["id"]
    dispute = disputed(pair, admin, rid)
    body: dict[str, Any] = {"resolution": resolution, "note": "after reading both sides"}
    if provider_hours is not None:
        body["provider_hours"] = provider_hours
    member_try = pair.requester.send("POST", f"/v1/disputes/{dispute['id']}/resolve", body)
    problem(member_try, 403, "admin")
    resolved = admin.post(f"/v1/disputes/{dispute['id']}/resolve", body)
    assert (resolved["status"], resolved["resolution"]) == ("RESOLVED", resolution)
    assert (resolved["provider_amount"], resolved["requester_refund"]) == (
        provider_gets,
        requester_gets,
    )
    assert [step["step"] for step in resolved["timeline"]] == ["OPENED", "ASSIGNED", "RESOLVED"]

    pair.requester.wait_status(rid, ends)
    kept = str(Decimal("1.00") + Decimal(requester_gets))
    settles_at(pair.requester, kept, kept, "0.00")
    earned = str(Decimal("3.00") + Decimal(provider_gets))
    assert pair.provider.balance() == balance(earned, earned, "0.00")
    hold = pair.provider.get(f"/v1/escrows/{rid}")
    assert (hold["status"], hold["provider_amount"], hold["requester_refund"]) == (
        "SETTLED",
        provider_gets,
        requester_gets,
    )
    last_step = ("DISPUTED", ends, f"DISPUTE_{resolution}", "disputes")
    assert triggers(pair.requester, rid)[-1] == last_step
    last = {"PAID": "paid", "REFUNDED": "refunded", "SETTLED": "settled"}[ends]
    topics.requests(
        rid, "submitted", "awaiting_response", "accepted", "start_reported", "started",
        "disputed", last,
    )  # fmt: skip
    settled = topics.escrow(rid, "held", "frozen", "settled")[-1]["data"]
    assert (settled["resolution"], settled["provider_amount"]) == (resolution, provider_gets)
    topics.disputes(rid, "opened", "evidence_added", "assigned", "resolved")
    again = admin.send("POST", f"/v1/disputes/{dispute['id']}/resolve", body)
    assert problem(again, 409)["current_status"] == "RESOLVED"
    notified(pair.provider, "DISPUTE_RESOLVED", dispute["id"])
    # ratings open after PAID or SETTLED, not after a refund
    rating = pair.provider.send("POST", f"/v1/requests/{rid}/rating", {"score": 2})
    if ends == "REFUNDED":
        assert problem(rating, 409)["current_status"] == "REFUNDED"
    else:
        assert rating.status_code == 200, rating.text


def test_dismissal_resumes_the_request(pair: Pair, admin: Caller, topics: TopicWatch) -> None:
    rid = pair.accepted("2.00")["id"]
    pair.provider.act(rid, "start")
    dispute = disputed(pair, admin, rid)
    blocked = pair.requester.send("POST", f"/v1/requests/{rid}/confirm-start")
    assert problem(blocked, 409)["current_status"] == "DISPUTED"

    dismissed = admin.post(f"/v1/disputes/{dispute['id']}/dismiss", {"note": "no case"})
    assert dismissed["status"] == "DISMISSED"
    resumed = pair.requester.wait_status(rid, "PENDING_START_CONFIRMATION")
    assert (resumed["deadline_kind"], resumed["previous_status"]) == ("START_CONFIRMATION", None)
    assert resumed["deadline_at"] is not None
    assert triggers(pair.requester, rid)[-1] == (
        "DISPUTED",
        "PENDING_START_CONFIRMATION",
        "DISPUTE_DISMISSED",
        "disputes",
    )
    wait_for(
        lambda: pair.provider.get(f"/v1/escrows/{rid}")["status"] == "HELD",
        "the hold to unfreeze",
    )

    pair.requester.act(rid, "confirm-start")
    pair.provider.act(rid, "complete", {"actual_hours": "2.00"})
    pair.requester.act(rid, "confirm-completion")
    pair.requester.wait_status(rid, "PAID")
    assert pair.requester.balance() == balance("1.00", "1.00", "0.00")
    assert pair.provider.balance() == balance("5.00", "5.00", "0.00")
    topics.requests(
        rid, "submitted", "awaiting_response", "accepted", "start_reported", "disputed",
        "resumed", "started", "completion_reported", "completed", "paid",
    )  # fmt: skip
    topics.escrow(rid, "held", "frozen", "unfrozen", "released")
    topics.disputes(rid, "opened", "evidence_added", "assigned", "dismissed")
    notified(pair.requester, "DISPUTE_DISMISSED", dispute["id"])


def test_a_request_not_yet_accepted_is_refused_by_the_requests_service(pair: Pair) -> None:
    """The disputes service's view may be behind, so it does not refuse a status that can
    still become disputable; the requests service, which owns the request, refuses it and the
    dispute shows REFUSED with the reason."""
    rid = pair.submit("1.00")["id"]
    dispute = open_dispute(pair.requester, rid, "NO_SHOW")
    assert (dispute["status"], dispute["request_confirmed"]) == ("OPEN", False)

    def refused() -> dict[str, Any] | None:
        seen: dict[str, Any] = pair.requester.get(f"/v1/disputes/{dispute['id']}")
        return seen if seen["status"] == "REFUSED" else None

    seen = wait_for(refused, "the requests service's refusal")
    assert "AWAITING_RESPONSE cannot be disputed" in seen["refusal_reason"]
    assert pair.requester.request(rid)["status"] == "AWAITING_RESPONSE"


# Each disputable status, and the action that reaches it.
WALK = [
    ("ACCEPTED", "provider", "accept"),
    ("PENDING_START_CONFIRMATION", "provider", "start"),
    ("IN_PROGRESS", "requester", "confirm-start"),
    ("PENDING_COMPLETION_CONFIRMATION", "provider", "complete"),
]
ROUNDS = 13  # requests, each disputed after each of the 4 transitions: 52 disputes


def test_a_dispute_right_after_each_disputable_transition_is_never_refused(
    pair: Pair, admin: Caller
) -> None:
    """The member acts on what the requests service just answered; the disputes service's
    projection may not have caught up, and must not refuse on it."""
    refused: list[str] = []
    opened = 0
    for _ in range(ROUNDS):
        request_id = pair.submit("0.10")["id"]
        for status, actor, action in WALK:
            party = pair.provider if actor == "provider" else pair.requester
            body = {"actual_hours": "0.10"} if action == "complete" else None
            assert party.act(request_id, action, body)["status"] == status
            response = pair.requester.send(
                "POST",
                "/v1/disputes",
                {"request_id": request_id, "type": "OTHER", "description": f"right at {status}"},
            )
            if response.status_code != 201:
                refused.append(f"{status}: {response.status_code} {response.text}")
                continue
            opened += 1
            dispute_id = response.json()["id"]
            dispute = confirmed(pair.requester, dispute_id)
            assert dispute["status"] == "OPEN", dispute  # not REFUSED by the requests service
            if action == "complete":
                admin.post(f"/v1/disputes/{dispute_id}/assign")
                admin.post(
                    f"/v1/disputes/{dispute_id}/resolve",
                    {"resolution": "PAY_PROVIDER", "note": "done"},
                )
                pair.requester.wait_status(request_id, "PAID")
            else:
                admin.post(f"/v1/disputes/{dispute_id}/dismiss", {"note": "carry on"})
                pair.requester.wait_status(request_id, status)
    assert refused == []
    assert opened == ROUNDS * len(WALK) >= 50
