"""Disputes opened and decided through the disputes service's API, with the requests and
escrow services following over the broker: final balances to the hundredth."""

import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest

from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.testing.infra import Infra

from .harness import D, Saga, running_saga


@pytest.fixture(scope="module")
def saga(infra: Infra) -> Iterator[Saga]:
    with running_saga(infra, time_scale=3600) as running:
        yield running


def started(
    saga: Saga, *, report_completion: bool = False
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A 2.00 h request at 1.00 in progress (or with its completion reported)."""
    alice, bob = saga.register(), saga.register()
    by_alice, by_bob, t = Caller(alice), Caller(bob), saga.time
    request = saga.submit(alice, saga.offering(bob, window=72), "2.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.accept(by_bob, t))
    saga.act(request, lambda r: r.report_start(by_bob, t))
    saga.act(request, lambda r: r.confirm_start(by_alice, t))
    if report_completion:
        saga.act(request, lambda r: r.report_completion(by_bob, D("2.00"), t))
    # No waiting for the disputes projection: a dispute opened before it caught up is not
    # refused there; the requests service confirms it.
    return request, alice, bob


def open_dispute(saga: Saga, request: uuid.UUID, by: uuid.UUID) -> httpx.Response:
    return saga.disputes_api(by).post(
        "/v1/disputes",
        json={"request_id": str(request), "type": "SERVICE_QUALITY", "description": "not done"},
    )


def decide(saga: Saga, dispute: str, action: str, body: dict[str, object]) -> httpx.Response:
    return saga.disputes_api(uuid.uuid4(), admin=True).post(
        f"/v1/disputes/{dispute}/{action}", json=body
    )


@pytest.mark.parametrize(
    ("resolution", "hours", "status", "alice_after", "bob_after"),
    [
        ("PAY_PROVIDER", None, S.PAID, "1.00", "5.00"),
        ("REFUND_REQUESTER", None, S.REFUNDED, "3.00", "3.00"),
        ("SPLIT", "0.75", S.SETTLED, "2.25", "3.75"),
    ],
)
def test_each_resolution_ends_the_request_and_moves_the_hours_once(
    saga: Saga,
    resolution: str,
    hours: str | None,
    status: S,
    alice_after: str,
    bob_after: str,
) -> None:
    request, alice, bob = started(saga)
    opened = open_dispute(saga, request, alice)
    assert opened.status_code == 201, opened.text
    dispute = opened.json()["id"]
    # the instant it is opened: refused until the requests service confirms DISPUTED
    immediate = decide(
        saga,
        dispute,
        "resolve",
        {"resolution": resolution, "provider_hours": hours, "note": "decided"},
    )
    if immediate.status_code == 409:
        assert "waiting" in immediate.json()["detail"]
    saga.wait_status(request, S.DISPUTED)
    body = {"resolution": resolution, "provider_hours": hours, "note": "decided"}
    saga._until(
        lambda: (
            decide(saga, dispute, "resolve", body).status_code == 200
            or saga.dispute_status(dispute) == "RESOLVED"
        ),
        "the resolution",
    )
    again = decide(saga, dispute, "resolve", body)
    assert again.status_code == 409  # resolved once; nothing paid twice
    saga.wait_status(request, status)
    saga.wait_balance(alice, (alice_after, alice_after, "0.00"))
    saga.wait_balance(bob, (bob_after, bob_after, "0.00"))
    assert saga.reconciled()


def test_a_dismissal_resumes_the_request_with_a_fresh_deadline(saga: Saga) -> None:
    request, alice, bob = started(saga, report_completion=True)
    dispute = open_dispute(saga, request, bob).json()["id"]
    saga.wait_status(request, S.DISPUTED)
    assert saga.row(request)["deadline_at"] is None  # paused
    saga._until(
        lambda: (
            decide(saga, dispute, "dismiss", {"note": "no case"}).status_code == 200
            or saga.dispute_status(dispute) == "DISMISSED"
        ),
        "the dismissal",
    )
    dismissed_at = saga.time.clock.now()
    row = saga.wait_status(request, S.PENDING_COMPLETION_CONFIRMATION)
    deadline = row["deadline_at"]
    assert deadline is not None and deadline > dismissed_at  # a full 48 h (48 s here) again
    saga.act(request, lambda r: r.confirm_completion(Caller(alice), saga.time))
    saga.wait_status(request, S.PAID)
    saga.wait_balance(bob, ("5.00", "5.00", "0.00"))
    assert saga.reconciled()


def test_a_dispute_on_a_paid_request_is_refused(saga: Saga) -> None:
    request, alice, _ = started(saga, report_completion=True)
    saga.act(request, lambda r: r.confirm_completion(Caller(alice), saga.time))
    saga.wait_status(request, S.PAID)
    saga._until(lambda: saga.disputes_projection(request) == "PAID", "the projection")
    refused = open_dispute(saga, request, alice)
    assert refused.status_code == 409
    assert "PAID" in refused.json()["detail"]


def test_two_disputes_raced_on_one_request_one_wins(saga: Saga) -> None:
    request, alice, bob = started(saga)
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def race(by: uuid.UUID) -> None:
        barrier.wait()
        answers.append(open_dispute(saga, request, by).status_code)

    racers = [threading.Thread(target=race, args=(member,)) for member in (alice, bob)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(answers) == [201, 409]
    saga.wait_status(request, S.DISPUTED)
