"""Submitting a request: the checks of SPEC §4, the amount, the event and the history."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_requests.domain.lifecycle import (
    ESCROW_ANSWER_SECONDS,
    Actor,
    DeadlineKind,
    HistoryEntry,
)
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_requests.domain.submission import OfferingTerms, Submission, submit
from hourbank_shared.clock import BusinessTime, FixedClock
from hourbank_shared.contracts import requests as ev
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.contracts.enums import RequestStatus as S

from .request_factory import NOW, d, only_event

REQUESTER, PROVIDER, OFFERING, REQUEST = uuid4(), uuid4(), uuid4(), uuid4()
OFFERING_TERMS = OfferingTerms(
    OFFERING, PROVIDER, "Bike repair", d("1.50"), 12, OfferingStatus.APPROVED
)


def run(
    hours: str = "2.00",
    *,
    offering: OfferingTerms = OFFERING_TERMS,
    requester: UUID = REQUESTER,
    requester_active: bool = True,
    provider_active: bool = True,
    open_request: UUID | None = None,
) -> ServiceRequest:
    return submit(
        Submission(REQUEST, requester, d(hours), "my bike squeaks"),
        offering,
        requester_active=requester_active,
        provider_active=provider_active,
        open_request=open_request,
        time=BusinessTime(FixedClock(NOW)),
    )


def test_submit_makes_an_initiated_request() -> None:
    r = run("2.00")

    assert (r.id, r.requester_id, r.provider_id, r.offering_id) == (
        REQUEST, REQUESTER, PROVIDER, OFFERING,
    )  # fmt: skip
    assert (r.offering_title, r.message, r.response_window_hours) == (
        "Bike repair", "my bike squeaks", 12,
    )  # fmt: skip
    assert (r.status, r.hours, r.rate, r.amount) == (S.INITIATED, d("2.00"), d("1.50"), d("3.00"))
    assert (r.round, r.offer, r.deadline_kind, r.deadline_at, r.version) == (
        0, None, DeadlineKind.ESCROW_ANSWER, NOW + timedelta(seconds=ESCROW_ANSWER_SECONDS), 1,
    )  # fmt: skip
    assert r.history == [
        HistoryEntry(None, S.INITIATED, "SUBMITTED", Actor.REQUESTER, REQUESTER, NOW)
    ]
    event = only_event(r)
    assert isinstance(event, ev.RequestSubmitted)
    assert (event.request_id, event.requester_id, event.provider_id, event.offering_id) == (
        REQUEST, REQUESTER, PROVIDER, OFFERING,
    )  # fmt: skip
    assert (event.status, event.offering_title, event.message, event.submitted_at) == (
        S.INITIATED, "Bike repair", "my bike squeaks", NOW,
    )  # fmt: skip
    assert (event.hours, event.rate, event.amount) == (d("2.00"), d("1.50"), d("3.00"))
    assert event.key() == str(REQUEST)


@pytest.mark.parametrize(("hours", "rate", "amount"), [
    ("1.00", "1.00", "1.00"),
    ("0.50", "1.25", "0.62"),  # 0.625 → 0.62 (half-even, down to the even cent)
    ("0.70", "1.25", "0.88"),  # 0.875 → 0.88 (half-even, up to the even cent)
    ("0.01", "1.50", "0.02"),  # 0.015 → 0.02
    ("0.03", "0.50", "0.02"),  # 0.015 → 0.02
    ("0.05", "0.50", "0.02"),  # 0.025 → 0.02
    ("1000", "100", "100000.00"),
])  # fmt: skip
def test_amount_is_hours_times_rate_rounded_half_even(hours: str, rate: str, amount: str) -> None:
    r = run(hours, offering=replace(OFFERING_TERMS, rate=d(rate)))
    assert r.amount == d(amount)
    assert str(r.amount) == amount
    event = only_event(r)
    assert isinstance(event, ev.RequestSubmitted)
    assert event.amount == d(amount)


def test_a_suspended_requester_is_forbidden() -> None:
    with pytest.raises(Forbidden, match="suspended"):
        run(requester_active=False)


def test_the_suspended_requester_check_comes_first() -> None:
    with pytest.raises(Forbidden):
        run(requester_active=False, provider_active=False, open_request=uuid4(),
            offering=replace(OFFERING_TERMS, status=OfferingStatus.WITHDRAWN))  # fmt: skip


def test_requesting_ones_own_offering_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="your own offering"):
        run(requester=PROVIDER)


@pytest.mark.parametrize(
    "status",
    [OfferingStatus.PENDING_REVIEW, OfferingStatus.REJECTED, OfferingStatus.WITHDRAWN],
)
def test_only_an_approved_offering_may_be_requested(status: OfferingStatus) -> None:
    with pytest.raises(NotAllowedNow, match=str(status)) as raised:
        run(offering=replace(OFFERING_TERMS, status=status))
    assert str(OFFERING) in raised.value.detail
    assert raised.value.extensions == {"offering_status": status}


def test_a_suspended_provider_is_not_allowed_now() -> None:
    with pytest.raises(NotAllowedNow, match="provider is suspended"):
        run(provider_active=False)


def test_an_open_request_for_the_offering_is_not_allowed_now() -> None:
    open_request = uuid4()
    with pytest.raises(NotAllowedNow, match="already have an open request") as raised:
        run(open_request=open_request)
    assert raised.value.extensions == {"open_request_id": str(open_request)}
    assert str(open_request) in raised.value.detail


@pytest.mark.parametrize(("hours", "rate"), [
    ("0", "1.50"), ("-1.00", "1.50"), ("0.01", "0.40"), ("0.01", "0.50"),
])  # fmt: skip
def test_an_amount_rounding_to_zero_is_invalid(hours: str, rate: str) -> None:
    with pytest.raises(InvalidInput, match=r"less than 0\.01"):
        run(hours, offering=replace(OFFERING_TERMS, rate=d(rate)))


@pytest.mark.parametrize("hours", ["1000.01", "1001", "5000"])
def test_more_than_1000_hours_is_invalid(hours: str) -> None:
    """SPEC §4: hours in (0, 1000]."""
    with pytest.raises(InvalidInput, match="1000"):
        run(hours, offering=replace(OFFERING_TERMS, rate=Decimal("0.01")))


def test_exactly_1000_hours_is_allowed() -> None:
    assert run("1000.00").hours == d("1000.00")
