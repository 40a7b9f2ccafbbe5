"""Every path of the request lifecycle through Kafka with the escrow service, balances
checked to the hundredth and reconciliation clean after each path."""

from collections.abc import Iterator

import pytest

from hourbank_requests.domain.errors import NotAllowedNow
from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.testing.infra import Infra

from .harness import D, Saga, running_saga


@pytest.fixture(scope="module")
def saga(infra: Infra) -> Iterator[Saga]:
    with running_saga(infra, time_scale=3600) as running:
        yield running


@pytest.fixture(autouse=True)
def reconciled_after(saga: Saga) -> Iterator[None]:
    yield
    assert saga.reconciled()


def test_happy_path_pays_the_provider_and_records_every_step(saga: Saga) -> None:
    alice, bob = saga.register("Alice"), saga.register("Bob")
    offering = saga.offering(bob, rate="1.50", window=72)
    request = saga.submit(alice, offering, "2.00")  # 3.00 hours: all of Alice's bonus
    saga.wait_status(request, S.AWAITING_RESPONSE)
    assert saga.balance(alice) == (D("3.00"), D("0.00"), D("3.00"))
    by_alice, by_bob, t = Caller(alice), Caller(bob), saga.time
    saga.act(request, lambda r: r.accept(by_bob, t))
    saga.act(request, lambda r: r.report_start(by_bob, t))
    saga.act(request, lambda r: r.confirm_start(by_alice, t))
    saga.act(request, lambda r: r.report_completion(by_bob, D("1.50"), t))
    saga.act(request, lambda r: r.confirm_completion(by_alice, t))
    saga.wait_status(request, S.PAID)
    saga.wait_balance(alice, ("0.75", "0.75", "0.00"))  # paid 1.50 × 1.50 = 2.25
    saga.wait_balance(bob, ("5.25", "5.25", "0.00"))
    saga.rate(request, alice, 5)
    saga.rate(request, bob, 4)
    with pytest.raises(NotAllowedNow, match="already rated"):
        saga.rate(request, alice, 1)
    assert saga.history(request) == [
        ("INITIATED", "SUBMITTED", "requester"),
        ("AWAITING_RESPONSE", "ESCROWED", "escrow"),
        ("ACCEPTED", "ACCEPTED", "provider"),
        ("PENDING_START_CONFIRMATION", "START_REPORTED", "provider"),
        ("IN_PROGRESS", "START_CONFIRMED", "requester"),
        ("PENDING_COMPLETION_CONFIRMATION", "COMPLETION_REPORTED", "provider"),
        ("COMPLETED", "COMPLETION_CONFIRMED", "requester"),
        ("PAID", "PAID", "escrow"),
        ("PAID", "RATED", "requester"),
        ("PAID", "RATED", "provider"),
    ]
    assert saga.rating_of(bob) == (5, 1)
    assert saga.rating_of(alice) == (4, 1)


def test_a_hold_that_fails_rejects_the_request_with_the_reason(saga: Saga) -> None:
    alice, bob = saga.register(), saga.register()
    request = saga.submit(alice, saga.offering(bob), "3.01")
    row = saga.wait_status(request, S.REJECTED)
    assert str(row["reason"]).startswith("INSUFFICIENT_BALANCE")
    assert saga.balance(alice) == (D("3.00"), D("3.00"), D("0.00"))


def test_a_declined_request_is_refunded(saga: Saga) -> None:
    alice, bob = saga.register(), saga.register()
    request = saga.submit(alice, saga.offering(bob), "2.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.decline(Caller(bob), saga.time))
    saga.wait_balance(alice, ("3.00", "3.00", "0.00"))
    saga.wait_history(request, "ESCROW_REFUNDED")
    assert saga.history(request)[-2:] == [
        ("REJECTED", "DECLINED", "provider"),
        ("REJECTED", "ESCROW_REFUNDED", "escrow"),
    ]


def test_counter_offers_up_and_down_adjust_the_hold_and_a_failed_top_up_keeps_negotiating(
    saga: Saga,
) -> None:
    alice, bob = saga.register(), saga.register()
    by_alice, by_bob, t = Caller(alice), Caller(bob), saga.time
    request = saga.submit(alice, saga.offering(bob, window=72), "1.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.counter(by_bob, D("2.00"), None, "two hours", t))
    saga.act(request, lambda r: r.counter(by_alice, D("1.50"), None, "meet halfway", t))
    saga.act(request, lambda r: r.accept_offer(by_bob, t))
    row = saga.wait_status(request, S.ACCEPTED)
    assert (row["hours"], row["amount"], row["round"]) == (D("1.50"), D("1.50"), 2)
    saga.wait_balance(alice, ("3.00", "1.50", "1.50"))

    other = saga.submit(alice, saga.offering(bob, window=72), "1.00")
    saga.wait_status(other, S.AWAITING_RESPONSE)
    saga.act(other, lambda r: r.counter(by_bob, D("5.00"), None, "more", t))
    saga.act(other, lambda r: r.accept_offer(by_alice, t))
    saga._until(lambda: saga.row(other)["reason"] is not None, "the failed top-up")
    row = saga.row(other)
    assert (row["status"], row["offer_accepted"]) == ("NEGOTIATING", False)
    assert str(row["reason"]).startswith("INSUFFICIENT_BALANCE")
    saga.act(other, lambda r: r.counter(by_alice, D("0.50"), None, "less then", t))
    saga.act(other, lambda r: r.accept_offer(by_bob, t))
    saga.wait_status(other, S.ACCEPTED)
    saga.wait_balance(alice, ("3.00", "1.00", "2.00"))


@pytest.mark.parametrize("by", ["requester", "provider"])
def test_a_cancelled_request_is_refunded(saga: Saga, by: str) -> None:
    alice, bob = saga.register(), saga.register()
    request = saga.submit(alice, saga.offering(bob), "2.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.accept(Caller(bob), saga.time))
    canceller = Caller(alice if by == "requester" else bob)
    saga.act(request, lambda r: r.cancel(canceller, saga.time))
    saga.wait_balance(alice, ("3.00", "3.00", "0.00"))
    assert saga.row(request)["status"] == "CANCELLED"
