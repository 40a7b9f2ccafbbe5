"""SPEC §4 through the gateway: every user-driven path of a request, balances to the hundredth
and the events each step publishes."""

import pytest

from hourbank_stack.client import Gateway, wait_for

from .checks import balance, business_hours_left, notified, problem, settles_at, triggers
from .parties import Pair, make_pair
from .topics import TopicWatch

pytestmark = pytest.mark.integration


def test_happy_path_pays_the_provider_exactly(pair: Pair, topics: TopicWatch) -> None:
    requester, provider = pair.requester, pair.provider
    submitted = requester.submit(pair.offering["id"], "2.00", "my garden")
    assert submitted["status"] == "INITIATED"
    assert (submitted["hours"], submitted["rate"], submitted["amount"]) == ("2.00", "1.00", "2.00")
    rid = submitted["id"]

    waiting = requester.wait_status(rid, "AWAITING_RESPONSE")
    assert waiting["deadline_kind"] == "RESPONSE"
    assert business_hours_left(requester, waiting) == pytest.approx(72, abs=0.5)
    assert requester.balance() == balance("3.00", "1.00", "2.00")
    notified(provider, "REQUEST_RECEIVED", rid)

    assert provider.act(rid, "accept")["status"] == "ACCEPTED"
    started = provider.act(rid, "start")
    assert started["status"] == "PENDING_START_CONFIRMATION"
    assert started["deadline_kind"] == "START_CONFIRMATION"
    assert business_hours_left(requester, started) == pytest.approx(48, abs=0.5)
    assert requester.act(rid, "confirm-start")["status"] == "IN_PROGRESS"
    reported = provider.act(rid, "complete", {"actual_hours": "2.00"})
    assert reported["status"] == "PENDING_COMPLETION_CONFIRMATION"
    assert reported["deadline_kind"] == "COMPLETION_CONFIRMATION"
    assert requester.act(rid, "confirm-completion")["status"] == "COMPLETED"

    paid = requester.wait_status(rid, "PAID")
    assert (paid["actual_hours"], paid["actual_amount"], paid["deadline_at"]) == (
        "2.00",
        "2.00",
        None,
    )
    assert requester.balance() == balance("1.00", "1.00", "0.00")
    assert provider.balance() == balance("5.00", "5.00", "0.00")
    hold = provider.get(f"/v1/escrows/{rid}")
    assert (hold["status"], hold["provider_amount"], hold["requester_refund"]) == (
        "RELEASED",
        "2.00",
        "0.00",
    )
    assert triggers(requester, rid) == [
        (None, "INITIATED", "SUBMITTED", "requester"),
        ("INITIATED", "AWAITING_RESPONSE", "ESCROWED", "escrow"),
        ("AWAITING_RESPONSE", "ACCEPTED", "ACCEPTED", "provider"),
        ("ACCEPTED", "PENDING_START_CONFIRMATION", "START_REPORTED", "provider"),
        ("PENDING_START_CONFIRMATION", "IN_PROGRESS", "START_CONFIRMED", "requester"),
        ("IN_PROGRESS", "PENDING_COMPLETION_CONFIRMATION", "COMPLETION_REPORTED", "provider"),
        ("PENDING_COMPLETION_CONFIRMATION", "COMPLETED", "COMPLETION_CONFIRMED", "requester"),
        ("COMPLETED", "PAID", "PAID", "escrow"),
    ]
    events = topics.requests(
        rid, "submitted", "awaiting_response", "accepted", "start_reported", "started",
        "completion_reported", "completed", "paid",
    )  # fmt: skip
    for event in events:
        assert (event["specversion"], event["datacontenttype"]) == ("1.0", "application/json")
        assert (event["source"], event["subject"]) == ("/hourbank/requests", rid)
        assert event["data"]["requester_id"] == str(requester.id)
        assert event["data"]["provider_id"] == str(provider.id)
    assert len({e["id"] for e in events}) == len(events)
    assert events[-1]["data"]["provider_amount"] == "2.00"
    held, released = topics.escrow(rid, "held", "released")
    # each reaction carries the event that caused it, and the saga step's correlation id
    submitted_event, awaiting = events[0], events[1]
    assert held["causationid"] == submitted_event["id"]
    assert awaiting["causationid"] == held["id"]
    assert held["correlationid"] == awaiting["correlationid"] == submitted_event["correlationid"]
    assert released["causationid"] == events[6]["id"]
    assert events[7]["causationid"] == released["id"]
    topics.postings(str(requester.id), "WELCOME_BONUS", "ESCROW_HOLD", "ESCROW_RELEASE")
    topics.postings(str(provider.id), "WELCOME_BONUS", "ESCROW_RELEASE")
    notified(requester, "REQUEST_PAID", rid)
    notified(provider, "REQUEST_PAID", rid)


def test_insufficient_balance_rejects_with_the_reason(pair: Pair, topics: TopicWatch) -> None:
    submitted = pair.requester.submit(pair.offering["id"], "3.01", "more than I have")
    rejected = pair.requester.wait_status(submitted["id"], "REJECTED")
    assert rejected["reason"] is not None
    assert rejected["reason"].startswith("INSUFFICIENT_BALANCE")
    assert pair.requester.balance() == balance("3.00", "3.00", "0.00")
    assert triggers(pair.requester, submitted["id"])[-1] == (
        "INITIATED",
        "REJECTED",
        "HOLD_FAILED",
        "escrow",
    )
    topics.requests(submitted["id"], "submitted", "rejected")
    failed = topics.escrow(submitted["id"], "hold_failed")
    assert failed[0]["data"]["reason"] == "INSUFFICIENT_BALANCE"
    topics.postings(str(pair.requester.id), "WELCOME_BONUS")
    notified(pair.requester, "REQUEST_REJECTED", submitted["id"])


def test_provider_declines_and_escrow_refunds(pair: Pair, topics: TopicWatch) -> None:
    request = pair.submit("2.50")
    assert pair.requester.balance() == balance("3.00", "0.50", "2.50")
    declined = pair.provider.act(request["id"], "decline")
    assert declined["status"] == "REJECTED"
    settles_at(pair.requester, "3.00", "3.00", "0.00")
    assert pair.provider.balance() == balance("3.00", "3.00", "0.00")
    assert triggers(pair.requester, request["id"], until="ESCROW_REFUNDED")[-2:] == [
        ("AWAITING_RESPONSE", "REJECTED", "DECLINED", "provider"),
        ("REJECTED", "REJECTED", "ESCROW_REFUNDED", "escrow"),
    ]
    topics.requests(request["id"], "submitted", "awaiting_response", "declined")
    topics.escrow(request["id"], "held", "refunded")
    topics.postings(str(pair.requester.id), "WELCOME_BONUS", "ESCROW_HOLD", "ESCROW_REFUND")
    notified(pair.requester, "REQUEST_DECLINED", request["id"])


def test_counter_offer_up_tops_the_hold_up(pair: Pair, topics: TopicWatch) -> None:
    """1.00 h asked; the provider wants 2.00 h at 1.25 (2.50 held once accepted)."""
    rid = pair.submit("1.00")["id"]
    assert pair.requester.balance() == balance("3.00", "2.00", "1.00")
    countered = pair.provider.act(rid, "counter", {"hours": "2.00", "rate": "1.25", "message": ""})
    assert (countered["status"], countered["round"], countered["deadline_kind"]) == (
        "NEGOTIATING",
        1,
        "NEGOTIATION",
    )
    assert business_hours_left(pair.requester, countered) == pytest.approx(24, abs=0.5)
    assert countered["offer"] == {
        "by": "PROVIDER",
        "hours": "2.00",
        "rate": "1.25",
        "amount": "2.50",
        "message": "",
    }
    pair.requester.act(rid, "accept-offer")
    accepted = pair.requester.wait_status(rid, "ACCEPTED")
    assert (accepted["hours"], accepted["rate"], accepted["amount"]) == ("2.00", "1.25", "2.50")
    assert accepted["offer"] is None
    assert pair.requester.balance() == balance("3.00", "0.50", "2.50")
    notified(pair.requester, "REQUEST_COUNTER_OFFERED", rid)

    pair.provider.act(rid, "start")
    pair.requester.act(rid, "confirm-start")
    pair.provider.act(rid, "complete", {"actual_hours": "2.00"})
    pair.requester.act(rid, "confirm-completion")
    pair.requester.wait_status(rid, "PAID")
    assert pair.requester.balance() == balance("0.50", "0.50", "0.00")
    assert pair.provider.balance() == balance("5.50", "5.50", "0.00")
    topics.requests(
        rid, "submitted", "awaiting_response", "counter_offered", "offer_accepted", "accepted",
        "start_reported", "started", "completion_reported", "completed", "paid",
    )  # fmt: skip
    adjusted = topics.escrow(rid, "held", "adjusted", "released")[1]["data"]
    assert (adjusted["previous_amount"], adjusted["amount"]) == ("1.00", "2.50")
    topics.postings(
        str(pair.requester.id), "WELCOME_BONUS", "ESCROW_HOLD", "ESCROW_ADJUST", "ESCROW_RELEASE"
    )


def test_counter_offers_down_release_the_difference(pair: Pair, topics: TopicWatch) -> None:
    """Three rounds: provider 2.00 h, requester 1.00 h, provider 1.50 h, accepted by the
    requester: 3.00 held becomes 1.50."""
    rid = pair.submit("3.00")["id"]
    assert pair.requester.balance() == balance("3.00", "0.00", "3.00")
    pair.provider.act(rid, "counter", {"hours": "2.00", "message": "less is enough"})
    own_turn = pair.provider.send("POST", f"/v1/requests/{rid}/counter", {"hours": "1.90"})
    problem(own_turn, 409, "other party")
    second = pair.requester.act(rid, "counter", {"hours": "1.00", "message": "even less?"})
    assert (second["round"], second["offer"]["by"]) == (2, "REQUESTER")
    third = pair.provider.act(rid, "counter", {"hours": "1.50", "message": "meet halfway"})
    assert (third["round"], third["offer"]["amount"]) == (3, "1.50")
    pair.requester.act(rid, "accept-offer")
    accepted = pair.requester.wait_status(rid, "ACCEPTED")
    assert (accepted["hours"], accepted["amount"], accepted["round"]) == ("1.50", "1.50", 3)
    settles_at(pair.requester, "3.00", "1.50", "1.50")
    topics.requests(
        rid, "submitted", "awaiting_response", "counter_offered", "counter_offered",
        "counter_offered", "offer_accepted", "accepted",
    )  # fmt: skip
    adjusted = topics.escrow(rid, "held", "adjusted")[1]["data"]
    assert (adjusted["previous_amount"], adjusted["amount"]) == ("3.00", "1.50")


def test_failed_top_up_stays_negotiating_with_the_reason(pair: Pair, topics: TopicWatch) -> None:
    rid = pair.submit("2.00")["id"]
    pair.provider.act(rid, "counter", {"hours": "4.00", "message": "it is a big garden"})
    pair.requester.act(rid, "accept-offer")

    def refused() -> bool:
        request = pair.requester.request(rid)
        return request["reason"] is not None and not request["offer_accepted"]

    wait_for(refused, "the top-up to fail")
    request = pair.requester.request(rid)
    assert request["status"] == "NEGOTIATING"
    assert request["reason"].startswith("INSUFFICIENT_BALANCE")
    assert request["deadline_kind"] == "NEGOTIATION"
    assert (request["amount"], request["offer"]["amount"]) == ("2.00", "4.00")
    assert pair.requester.balance() == balance("3.00", "1.00", "2.00")
    # still negotiable (for 24 h, 6 s here): the requester declines, and the hours come back
    assert pair.requester.act(rid, "decline")["status"] == "REJECTED"
    settles_at(pair.requester, "3.00", "3.00", "0.00")
    topics.requests(
        rid, "submitted", "awaiting_response", "counter_offered", "offer_accepted",
        "offer_acceptance_failed", "declined",
    )  # fmt: skip
    topics.escrow(rid, "held", "adjust_failed", "refunded")
    notified(pair.requester, "REQUEST_OFFER_NOT_ACCEPTED", rid)


@pytest.mark.parametrize(
    ("status", "by"),
    [
        ("AWAITING_RESPONSE", "requester"),
        ("NEGOTIATING", "requester"),
        ("ACCEPTED", "requester"),
        ("ACCEPTED", "provider"),
    ],
)
def test_cancel_refunds_the_requester(
    gateway: Gateway, topics: TopicWatch, status: str, by: str
) -> None:
    pair = make_pair(gateway)
    rid = pair.submit("2.00")["id"]
    steps = ["submitted", "awaiting_response"]
    if status == "NEGOTIATING":
        pair.provider.act(rid, "counter", {"hours": "1.00", "message": ""})
        steps.append("counter_offered")
    elif status == "ACCEPTED":
        pair.provider.act(rid, "accept")
        steps.append("accepted")
    assert pair.requester.request(rid)["status"] == status
    canceller = pair.requester if by == "requester" else pair.provider
    cancelled = canceller.act(rid, "cancel")
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["deadline_at"] is None
    settles_at(pair.requester, "3.00", "3.00", "0.00")
    assert pair.provider.balance() == balance("3.00", "3.00", "0.00")
    assert triggers(pair.requester, rid, until="ESCROW_REFUNDED")[-2:] == [
        (status, "CANCELLED", "CANCELLED", by),
        ("CANCELLED", "CANCELLED", "ESCROW_REFUNDED", "escrow"),
    ]
    event = topics.requests(rid, *steps, "cancelled")[-1]["data"]
    assert (event["previous_status"], event["by_party"]) == (status, by.upper())
    topics.escrow(rid, "held", "refunded")
    notified(pair.provider, "REQUEST_CANCELLED", rid)


def test_what_may_not_be_cancelled(pair: Pair) -> None:
    rid = pair.submit("1.00")["id"]
    problem(pair.provider.send("POST", f"/v1/requests/{rid}/cancel"), 409, "AWAITING_RESPONSE")
    problem(pair.requester.send("POST", f"/v1/requests/{rid}/decline"), 403, "requester")
    pair.provider.act(rid, "accept")
    pair.provider.act(rid, "start")
    body = problem(pair.requester.send("POST", f"/v1/requests/{rid}/cancel"), 409)
    assert body["current_status"] == "PENDING_START_CONFIRMATION"
    assert pair.requester.balance() == balance("3.00", "2.00", "1.00")


def test_partial_completion_pays_actual_hours_and_refunds_the_rest(
    gateway: Gateway, topics: TopicWatch
) -> None:
    """1.50 h at rate 1.50 holds 2.25; 1.00 h worked pays 1.50 and refunds 0.75."""
    pair = make_pair(gateway, rate="1.50")
    rid = pair.in_progress("1.50")["id"]
    assert pair.requester.balance() == balance("3.00", "0.75", "2.25")
    too_many = pair.provider.send("POST", f"/v1/requests/{rid}/complete", {"actual_hours": "1.51"})
    problem(too_many, 422, "1.50")
    reported = pair.provider.act(rid, "complete", {"actual_hours": "1.00"})
    assert (reported["actual_hours"], reported["actual_amount"]) == ("1.00", "1.50")
    pair.requester.act(rid, "confirm-completion")
    pair.requester.wait_status(rid, "PAID")
    assert pair.requester.balance() == balance("1.50", "1.50", "0.00")
    assert pair.provider.balance() == balance("4.50", "4.50", "0.00")
    hold = pair.requester.get(f"/v1/escrows/{rid}")
    assert (hold["amount"], hold["provider_amount"], hold["requester_refund"]) == (
        "2.25",
        "1.50",
        "0.75",
    )
    released = topics.escrow(rid, "held", "released")[1]["data"]
    assert (released["provider_amount"], released["requester_refund"]) == ("1.50", "0.75")
    paid = topics.requests(
        rid, "submitted", "awaiting_response", "accepted", "start_reported", "started",
        "completion_reported", "completed", "paid",
    )[-1]["data"]  # fmt: skip
    assert (paid["provider_amount"], paid["requester_refund"]) == ("1.50", "0.75")
