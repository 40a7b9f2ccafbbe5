"""The operator read APIs the admin console uses, through the gateway: one request's timeline
across the four services, member lookup, the KPIs, and dead letters listed and replayed."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from confluent_kafka import Producer

from hourbank_shared.consumer import dead_letter_headers
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.members import MemberRegisteredV2
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import base_config, dlq_topic
from hourbank_stack.client import Caller, Gateway, wait_for
from hourbank_stack.topology import SERVICES

from .checks import problem
from .parties import Pair, open_dispute

pytestmark = pytest.mark.integration


def every_page(caller: Caller, path: str, **params: Any) -> list[dict[str, Any]]:
    """The items of every page (a dispute's DISPUTE_NEW goes to every admin: many)."""
    page = caller.get(path, limit=200, **params)
    items: list[dict[str, Any]] = page["items"]
    while page["next_cursor"] is not None:
        page = caller.get(path, limit=200, cursor=page["next_cursor"], **params)
        items += page["items"]
    return items


def test_one_requests_timeline_across_the_services(pair: Pair, admin: Caller) -> None:
    request_id = pair.in_progress("2.00")["id"]
    dispute = open_dispute(pair.requester, request_id)
    pair.requester.wait_status(request_id, "DISPUTED")

    def frozen() -> dict[str, Any] | None:
        escrow: dict[str, Any] = admin.get(f"/v1/escrows/{request_id}")
        return escrow if escrow["status"] == "FROZEN" else None

    history = admin.get(f"/v1/requests/{request_id}/history")
    escrow = wait_for(frozen, "the hold to freeze")
    disputes = admin.get("/v1/disputes", request_id=request_id)

    def both_told() -> list[dict[str, Any]] | None:
        notes = every_page(
            admin, "/v1/notifications", request_id=request_id, dispute_id=dispute["id"]
        )
        opened = {n["member_id"] for n in notes if n["type"] == "DISPUTE_OPENED"}
        accepted = any(n["type"] == "REQUEST_ACCEPTED" for n in notes)
        parties = {str(pair.requester.id), str(pair.provider.id)}
        return notes if accepted and opened == parties else None

    # the worker may still be joining its group right after the stack started
    notes = wait_for(
        both_told, "the acceptance and both parties' DISPUTE_OPENED notifications", timeout=90
    )

    assert [step["to_status"] for step in history][-1] == "DISPUTED"
    assert [(m["type"], m["escrowed_delta"]) for m in escrow["moves"]] == [("ESCROW_HOLD", "2.00")]
    assert [d["id"] for d in disputes["items"]] == [dispute["id"]]
    assert {n["related_id"] for n in notes} == {request_id, dispute["id"]}
    own = pair.requester.get("/v1/notifications", request_id=request_id)["items"]
    assert own and {n["member_id"] for n in own} == {str(pair.requester.id)}
    assert pair.provider.get("/v1/disputes", request_id=str(uuid.uuid4()))["items"] == []


def test_member_lookup_with_balance_and_statement(pair: Pair, admin: Caller) -> None:
    requester = pair.requester
    pair.submit("1.00")

    found = admin.get("/v1/members", q=requester.name.upper())["items"]
    balance = admin.get(f"/v1/accounts/{requester.id}")
    statement = admin.get(f"/v1/accounts/{requester.id}/transactions")

    assert [m["id"] for m in found] == [str(requester.id)]
    assert balance == requester.get("/v1/accounts/me")
    assert statement == requester.get("/v1/accounts/me/transactions")
    assert [t["type"] for t in statement["items"]] == ["ESCROW_HOLD", "WELCOME_BONUS"]
    problem(requester.send("GET", "/v1/members", params={"q": "requester"}), 403)
    problem(requester.send("GET", f"/v1/accounts/{pair.provider.id}/transactions"), 403)


def test_the_kpis_of_each_service(pair: Pair, admin: Caller) -> None:
    request_id = pair.accepted("1.00")["id"]
    pair.requester.act(request_id, "cancel")
    pair.requester.wait_status(request_id, "CANCELLED")

    requests = admin.get("/v1/requests/stats", hours=1)
    disputes = admin.get("/v1/disputes/stats", hours=168)
    ledger = admin.get("/v1/ledger/stats")

    assert requests["window_hours"] == 1
    assert requests["sagas_ended"] >= 1 and requests["ended_by_status"]["CANCELLED"] >= 1
    assert requests["accepted_ended"] >= 1 and requests["completion_rate"] is not None
    assert requests["step_p99_seconds"]["submit"] is not None
    assert {"opened", "decided", "open_now", "resolution_p95_seconds"} <= set(disputes)
    assert ledger["transactions_by_type"]["ESCROW_HOLD"] >= 1
    assert ledger["transactions_by_type"]["ESCROW_REFUND"] >= 1
    problem(pair.requester.send("GET", "/v1/requests/stats"), 403)


def test_every_service_lists_its_dead_letters_for_admins(gateway: Gateway, admin: Caller) -> None:
    member = gateway.register("not-an-admin")
    for service in SERVICES:
        listed = admin.get(f"/v1/dead-letters/{service}")
        assert "items" in listed, service
        assert all(item["consumer"] == service for item in listed["items"]), service
        problem(member.send("GET", f"/v1/dead-letters/{service}"), 403)


def test_a_replayed_dead_letter_is_handled_by_its_consumer(bootstrap: str, admin: Caller) -> None:
    """A registration escrow once failed: replayed through the API, escrow handles it from its
    replay topic and opens the account."""
    member_id = uuid.uuid4()
    event = MemberRegisteredV2(
        member_id=member_id, display_name="Replayed", roles=["member"],
        registered_at=datetime.now(UTC), sequence=0,
    )  # fmt: skip
    envelope = Envelope.wrap(event, source="/hourbank/requests")
    headers = dead_letter_headers(
        "escrow", topics.MEMBERS, 0, 0, "handler_failed", "the database was away", 5, envelope
    )
    producer = Producer({**base_config(bootstrap, "operator-apis-test"), "acks": "all"})
    producer.produce(
        dlq_topic("escrow"), key=str(member_id).encode(), value=envelope.to_json(), headers=headers
    )
    assert producer.flush(30) == 0
    problem(admin.send("GET", f"/v1/accounts/{member_id}"), 404)

    def listed() -> dict[str, Any] | None:
        items = every_page(admin, "/v1/dead-letters/escrow")
        return next((item for item in items if item["event_id"] == str(envelope.id)), None)

    letter = wait_for(listed, "the dead letter in the list")
    assert (letter["reason"], letter["replayed"]) == ("handler_failed", False)
    replayed = admin.send("POST", f"/v1/dead-letters/escrow/{letter['dlq_offset']}/replay")

    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["replay_topic"] == "hourbank.replay.escrow"
    account = wait_for(
        lambda: admin.send("GET", f"/v1/accounts/{member_id}").status_code == 200,
        "escrow to open the replayed member's account",
    )
    assert account

    def marked() -> bool:
        found = listed()
        return found is not None and bool(found["replayed"])

    assert wait_for(marked, "the dead letter marked replayed")
    problem(admin.send("POST", "/v1/dead-letters/escrow/99999999/replay"), 404)
