"""SPEC §4's deadlines at 14400× business time: expiry of the provider's response window and
of a negotiation round, and the automatic confirmation of start and of completion."""

from datetime import datetime

import pytest

from hourbank_stack.client import Gateway

from .checks import balance, notified, settles_at, triggers
from .parties import E2E_TIME_SCALE, make_pair
from .topics import TopicWatch

pytestmark = pytest.mark.integration


def test_provider_response_window_expires(gateway: Gateway, topics: TopicWatch) -> None:
    """A 2 h window lasts 0.5 s: nobody answers, the request expires and escrow refunds."""
    pair = make_pair(gateway, window_hours=2)
    submitted = pair.requester.submit(pair.offering["id"], "2.00", "quick!")
    expired = pair.requester.wait_status(submitted["id"], "EXPIRED")
    assert expired["deadline_at"] is None
    assert triggers(pair.requester, submitted["id"], until="ESCROW_REFUNDED") == [
        (None, "INITIATED", "SUBMITTED", "requester"),
        ("INITIATED", "AWAITING_RESPONSE", "ESCROWED", "escrow"),
        ("AWAITING_RESPONSE", "EXPIRED", "RESPONSE_DEADLINE_PASSED", "system"),
        ("EXPIRED", "EXPIRED", "ESCROW_REFUNDED", "escrow"),
    ]
    settles_at(pair.requester, "3.00", "3.00", "0.00")
    _, awaiting, event = topics.requests(
        submitted["id"], "submitted", "awaiting_response", "expired"
    )
    assert (event["data"]["previous_status"], event["data"]["amount"]) == (
        "AWAITING_RESPONSE",
        "2.00",
    )
    escrowed_at = pair.requester.get(f"/v1/requests/{submitted['id']}/history")[1]["at"]
    window = datetime.fromisoformat(awaiting["data"]["deadline"]) - datetime.fromisoformat(
        escrowed_at
    )
    assert window.total_seconds() * E2E_TIME_SCALE / 3600 == pytest.approx(2, abs=0.1)
    topics.escrow(submitted["id"], "held", "refunded")
    notified(pair.requester, "REQUEST_EXPIRED", submitted["id"])


def test_negotiation_round_expires(gateway: Gateway, topics: TopicWatch) -> None:
    """A counter-offer nobody answers for 24 h (6 s) expires the request."""
    pair = make_pair(gateway)
    rid = pair.submit("1.50")["id"]
    pair.provider.act(rid, "counter", {"hours": "1.00", "message": "take it or leave it"})
    expired = pair.requester.wait_status(rid, "EXPIRED", timeout=30)
    assert expired["deadline_at"] is None
    assert triggers(pair.requester, rid, until="ESCROW_REFUNDED")[-3:] == [
        ("AWAITING_RESPONSE", "NEGOTIATING", "COUNTER_OFFER_1", "provider"),
        ("NEGOTIATING", "EXPIRED", "NEGOTIATION_DEADLINE_PASSED", "system"),
        ("EXPIRED", "EXPIRED", "ESCROW_REFUNDED", "escrow"),
    ]
    settles_at(pair.requester, "3.00", "3.00", "0.00")
    event = topics.requests(rid, "submitted", "awaiting_response", "counter_offered", "expired")
    assert event[-1]["data"]["previous_status"] == "NEGOTIATING"
    topics.escrow(rid, "held", "refunded")


def test_start_and_completion_confirm_themselves(gateway: Gateway, topics: TopicWatch) -> None:
    """The requester never confirms: after 48 h (12 s) each step confirms itself, and the
    provider is paid."""
    pair = make_pair(gateway)
    rid = pair.accepted("2.00")["id"]
    pair.provider.act(rid, "start")
    started = pair.requester.wait_status(rid, "IN_PROGRESS", timeout=40)
    assert started["deadline_at"] is None
    pair.provider.act(rid, "complete", {"actual_hours": "1.50"})
    pair.requester.wait_status(rid, "PAID", timeout=40)
    assert [t[2:] for t in triggers(pair.requester, rid)[-4:]] == [
        ("START_AUTO_CONFIRMED", "system"),
        ("COMPLETION_REPORTED", "provider"),
        ("COMPLETION_AUTO_CONFIRMED", "system"),
        ("PAID", "escrow"),
    ]
    assert pair.requester.balance() == balance("1.50", "1.50", "0.00")
    assert pair.provider.balance() == balance("4.50", "4.50", "0.00")
    events = topics.requests(
        rid, "submitted", "awaiting_response", "accepted", "start_reported", "started",
        "completion_reported", "completed", "paid",
    )  # fmt: skip
    assert events[4]["data"]["auto_confirmed"] is True
    assert events[6]["data"]["auto_confirmed"] is True
    topics.escrow(rid, "held", "released")
    notified(pair.provider, "REQUEST_START_AUTO_CONFIRMED", rid)
    notified(pair.requester, "REQUEST_COMPLETION_AUTO_CONFIRMED", rid)
