"""Disputes between the requests and escrow services: the dispute events are published on
the disputes topic as the disputes service does; the request and the hold follow."""

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from confluent_kafka import Producer

from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.disputes import DisputeDismissed, DisputeOpened, DisputeResolved
from hourbank_shared.contracts.enums import DisputeResolution, DisputeStatus, DisputeType
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import base_config
from hourbank_shared.testing.infra import Infra

from .harness import D, Saga, running_saga


@pytest.fixture(scope="module")
def saga(infra: Infra) -> Iterator[Saga]:
    with running_saga(infra, time_scale=3600) as running:
        yield running


@pytest.fixture(scope="module")
def disputes(infra: Infra) -> "Disputes":
    return Disputes(Producer(base_config(infra.bootstrap, "disputes-stand-in")))


class Disputes:
    """Stands in for the disputes service on its topic."""

    def __init__(self, producer: Producer) -> None:
        self._producer = producer

    def publish(self, event: Event) -> None:
        envelope = Envelope.wrap(event, source="/hourbank/disputes")
        self._producer.produce(topics.DISPUTES, key=event.key().encode(), value=envelope.to_json())
        self._producer.flush(10)


def in_progress(saga: Saga) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    alice, bob = saga.register(), saga.register()
    by_alice, by_bob, t = Caller(alice), Caller(bob), saga.time
    request = saga.submit(alice, saga.offering(bob, window=72), "2.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.accept(by_bob, t))
    saga.act(request, lambda r: r.report_start(by_bob, t))
    saga.act(request, lambda r: r.confirm_start(by_alice, t))
    return request, alice, bob


def parties(request: uuid.UUID, alice: uuid.UUID, bob: uuid.UUID, dispute: uuid.UUID) -> dict:
    return {"dispute_id": dispute, "request_id": request, "requester_id": alice,
            "provider_id": bob}  # fmt: skip


def opened(request: uuid.UUID, alice: uuid.UUID, bob: uuid.UUID, dispute: uuid.UUID) -> Event:
    return DisputeOpened(
        **parties(request, alice, bob, dispute), status=DisputeStatus.OPEN, raised_by=alice,
        against=bob, dispute_type=DisputeType.SERVICE_QUALITY, description="half done",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("resolution", "provider", "refund", "status", "alice_after", "bob_after"),
    [
        (DisputeResolution.PAY_PROVIDER, "2.00", "0.00", S.PAID, "1.00", "5.00"),
        (DisputeResolution.REFUND_REQUESTER, "0.00", "2.00", S.REFUNDED, "3.00", "3.00"),
        (DisputeResolution.SPLIT, "0.75", "1.25", S.SETTLED, "2.25", "3.75"),
    ],
)
def test_a_resolved_dispute_settles_the_hold_and_ends_the_request(
    saga: Saga,
    disputes: Disputes,
    resolution: DisputeResolution,
    provider: str,
    refund: str,
    status: S,
    alice_after: str,
    bob_after: str,
) -> None:
    request, alice, bob = in_progress(saga)
    dispute = uuid.uuid4()
    disputes.publish(opened(request, alice, bob, dispute))
    row = saga.wait_status(request, S.DISPUTED)
    assert (row["previous_status"], row["deadline_at"]) == ("IN_PROGRESS", None)
    disputes.publish(
        DisputeResolved(
            **parties(request, alice, bob, dispute),
            status=DisputeStatus.RESOLVED,
            admin_id=uuid.uuid4(),
            resolution=resolution,
            provider_amount=Decimal(provider),
            requester_refund=Decimal(refund),
            note="decided",
        )
    )
    saga.wait_status(request, status)
    saga.wait_balance(alice, (alice_after, alice_after, "0.00"))
    assert saga.balance(bob)[0] == D(bob_after)
    assert saga.reconciled()


def test_a_dismissed_dispute_resumes_the_request_which_can_still_be_paid(
    saga: Saga, disputes: Disputes
) -> None:
    request, alice, bob = in_progress(saga)
    dispute = uuid.uuid4()
    disputes.publish(opened(request, alice, bob, dispute))
    saga.wait_status(request, S.DISPUTED)
    disputes.publish(
        DisputeDismissed(
            **parties(request, alice, bob, dispute),
            status=DisputeStatus.DISMISSED,
            admin_id=uuid.uuid4(),
            note="no case",
        )
    )
    saga.wait_status(request, S.IN_PROGRESS)
    by_alice, by_bob, t = Caller(alice), Caller(bob), saga.time
    saga.act(request, lambda r: r.report_completion(by_bob, D("2.00"), t))
    saga.act(request, lambda r: r.confirm_completion(by_alice, t))
    saga.wait_status(request, S.PAID)
    saga.wait_balance(bob, ("5.00", "5.00", "0.00"))
    assert saga.reconciled()


def test_a_dispute_on_a_paid_request_is_refused(saga: Saga, disputes: Disputes) -> None:
    alice, bob = saga.register(), saga.register()
    request = saga.submit(alice, saga.offering(bob), "1.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    saga.act(request, lambda r: r.decline(Caller(bob), saga.time))
    saga.wait_history(request, "ESCROW_REFUNDED")
    dispute = uuid.uuid4()
    disputes.publish(opened(request, alice, bob, dispute))
    saga._until(lambda: saga.refusals(request) == 1, "the refusal event")
    assert saga.row(request)["status"] == "REJECTED"
