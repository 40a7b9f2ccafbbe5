"""Deadlines firing end to end (an hour lasts 0.1 s here): expiries refund, auto-confirmed
start and completion pay the provider."""

from collections.abc import Iterator

import pytest

from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.testing.infra import Infra

from .harness import D, Saga, running_saga


@pytest.fixture(scope="module")
def saga(infra: Infra) -> Iterator[Saga]:
    with running_saga(infra, time_scale=36000) as running:
        yield running


def test_an_unanswered_request_expires_and_is_refunded(saga: Saga) -> None:
    alice, bob = saga.register(), saga.register()
    request = saga.submit(alice, saga.offering(bob, window=2), "2.00")  # 2 h = 0.2 s
    saga.wait_status(request, S.EXPIRED)
    saga.wait_balance(alice, ("3.00", "3.00", "0.00"))
    assert ("EXPIRED", "RESPONSE_DEADLINE_PASSED", "system") in saga.history(request)
    assert saga.reconciled()


def test_an_unanswered_counter_offer_expires_and_is_refunded(saga: Saga) -> None:
    alice, bob = saga.register(), saga.register()
    request = saga.submit(alice, saga.offering(bob, window=72), "2.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.counter(Caller(bob), D("2.50"), None, "more", saga.time))
    saga.wait_status(request, S.EXPIRED, timeout=20)  # 24 h = 2.4 s
    saga.wait_balance(alice, ("3.00", "3.00", "0.00"))
    assert ("EXPIRED", "NEGOTIATION_DEADLINE_PASSED", "system") in saga.history(request)
    assert saga.reconciled()


def test_start_and_completion_confirm_themselves_and_the_provider_is_paid(saga: Saga) -> None:
    alice, bob = saga.register(), saga.register()
    by_bob, t = Caller(bob), saga.time
    request = saga.submit(alice, saga.offering(bob, window=72), "2.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.accept(by_bob, t))
    saga.act(request, lambda r: r.report_start(by_bob, t))
    saga.wait_status(request, S.IN_PROGRESS, timeout=20)  # 48 h = 4.8 s
    saga.act(request, lambda r: r.report_completion(by_bob, D("2.00"), t))
    saga.wait_status(request, S.PAID, timeout=20)
    saga.wait_balance(bob, ("5.00", "5.00", "0.00"))
    triggers = [trigger for _, trigger, _ in saga.history(request)]
    assert "START_AUTO_CONFIRMED" in triggers
    assert "COMPLETION_AUTO_CONFIRMED" in triggers
    assert saga.reconciled()
