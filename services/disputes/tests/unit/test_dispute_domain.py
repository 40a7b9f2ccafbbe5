from decimal import Decimal
from uuid import uuid4

import pytest

from hourbank_disputes.domain.dispute import WAITING, Caller, Dispute
from hourbank_disputes.domain.errors import Forbidden, InvalidInput, NotAllowedNow, NotVisible
from hourbank_disputes.domain.status import DisputeState
from hourbank_shared.contracts import disputes as ev
from hourbank_shared.contracts.enums import DisputeResolution as R
from hourbank_shared.contracts.enums import DisputeStatus, DisputeType, RequestStatus

from .dispute_factory import ADMIN, NOW, opened, request

DISPUTABLE = [
    RequestStatus.ACCEPTED,
    RequestStatus.PENDING_START_CONFIRMATION,
    RequestStatus.IN_PROGRESS,
    RequestStatus.PENDING_COMPLETION_CONFIRMATION,
]


# opening ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", DISPUTABLE)
def test_a_party_opens_a_dispute_against_the_other(status: RequestStatus) -> None:
    on = request(status)
    dispute = Dispute.open(
        uuid4(), Caller(on.provider_id), on, DisputeType.PAYMENT, "not paid", NOW
    )

    assert (dispute.status, dispute.raised_by, dispute.against) == (
        DisputeState.OPEN,
        on.provider_id,
        on.requester_id,
    )
    [event] = dispute.events
    assert isinstance(event, ev.DisputeOpened)
    assert event.model_dump() == {
        "dispute_id": dispute.id,
        "request_id": on.request_id,
        "requester_id": on.requester_id,
        "provider_id": on.provider_id,
        "status": DisputeStatus.OPEN,
        "raised_by": on.provider_id,
        "against": on.requester_id,
        "dispute_type": DisputeType.PAYMENT,
        "description": "not paid",
    }


FINAL = [
    RequestStatus.COMPLETED, RequestStatus.PAID, RequestStatus.REJECTED, RequestStatus.EXPIRED,
    RequestStatus.CANCELLED, RequestStatus.REFUNDED, RequestStatus.SETTLED,
]  # fmt: skip


@pytest.mark.parametrize("status", FINAL)
def test_a_request_past_every_disputable_status_is_refused(status: RequestStatus) -> None:
    on = request(status)
    with pytest.raises(NotAllowedNow, match=f"it is {status}"):
        Dispute.open(uuid4(), Caller(on.requester_id), on, DisputeType.OTHER, "x", NOW)


@pytest.mark.parametrize(
    "status", [s for s in RequestStatus if s not in DISPUTABLE and s not in FINAL]
)
def test_a_projection_that_may_be_behind_lets_the_requests_service_decide(
    status: RequestStatus,
) -> None:
    """INITIATED, AWAITING_RESPONSE, NEGOTIATING or DISPUTED here may already be ACCEPTED (or
    dismissed) there: the dispute opens and waits for `request.disputed` or a refusal."""
    on = request(status)
    dispute = Dispute.open(uuid4(), Caller(on.requester_id), on, DisputeType.OTHER, "x", NOW)
    assert (dispute.status, dispute.request_confirmed) == (DisputeState.OPEN, False)
    assert [type(e) for e in dispute.events] == [ev.DisputeOpened]


def test_a_stranger_or_an_admin_may_not_open_one() -> None:
    on = request()
    for caller in (Caller(uuid4()), ADMIN):
        with pytest.raises(Forbidden):
            Dispute.open(uuid4(), caller, on, DisputeType.OTHER, "x", NOW)


def test_one_open_dispute_per_request() -> None:
    on = request()
    with pytest.raises(NotAllowedNow, match="already has an open dispute"):
        Dispute.open(
            uuid4(), Caller(on.requester_id), on, DisputeType.OTHER, "x", NOW, open_already=uuid4()
        )


# evidence ----------------------------------------------------------------------------------


def test_both_parties_add_evidence() -> None:
    dispute = opened()
    assert dispute.against is not None
    for member in (dispute.raised_by, dispute.against):
        dispute.add_evidence(uuid4(), Caller(member), "link", "https://example.org/photo", NOW)

    assert [e.added_by for e in dispute.new_evidence] == [dispute.raised_by, dispute.against]
    assert all(isinstance(e, ev.DisputeEvidenceAdded) for e in dispute.events)
    assert dispute.events[0].model_dump()["content"] == "https://example.org/photo"


def test_evidence_from_others_is_refused() -> None:
    dispute = opened()
    with pytest.raises(NotVisible):
        dispute.add_evidence(uuid4(), Caller(uuid4()), "text", "me too", NOW)
    with pytest.raises(Forbidden):
        dispute.add_evidence(uuid4(), ADMIN, "text", "admins decide", NOW)


def test_evidence_must_be_text_or_an_http_link() -> None:
    dispute = opened()
    with pytest.raises(InvalidInput):
        dispute.add_evidence(uuid4(), Caller(dispute.raised_by), "link", "file:///etc", NOW)
    with pytest.raises(InvalidInput):
        dispute.add_evidence(uuid4(), Caller(dispute.raised_by), "text", "  ", NOW)


@pytest.mark.parametrize("close", ["resolve", "dismiss", "refuse"])
def test_no_evidence_once_closed(close: str) -> None:
    dispute = opened(confirmed=close != "refuse")
    if close == "resolve":
        dispute.resolve(ADMIN.member_id, R.PAY_PROVIDER, None, "ok", NOW)
    elif close == "dismiss":
        dispute.dismiss(ADMIN.member_id, "no case", NOW)
    else:
        dispute.refused("request completed", NOW)

    with pytest.raises(NotAllowedNow, match=f"the dispute is {dispute.status}"):
        dispute.add_evidence(uuid4(), Caller(dispute.raised_by), "text", "late", NOW)


# the admins' steps ---------------------------------------------------------------------------


def test_an_admin_takes_an_open_dispute_once() -> None:
    dispute = opened()
    dispute.assign(ADMIN.member_id, NOW)

    assert (dispute.status, dispute.assigned_admin) == (DisputeState.UNDER_REVIEW, ADMIN.member_id)
    assert isinstance(dispute.events[0], ev.DisputeAssigned)
    assert dispute.events[0].status == DisputeStatus.UNDER_REVIEW
    with pytest.raises(NotAllowedNow):
        dispute.assign(uuid4(), NOW)


def test_no_resolution_or_dismissal_before_the_request_is_confirmed_disputed() -> None:
    dispute = opened()
    with pytest.raises(NotAllowedNow, match=WAITING):
        dispute.resolve(ADMIN.member_id, R.PAY_PROVIDER, None, "ok", NOW)
    with pytest.raises(NotAllowedNow, match=WAITING):
        dispute.dismiss(ADMIN.member_id, "ok", NOW)
    assert dispute.events == []


@pytest.mark.parametrize(
    ("resolution", "provider_hours", "paid", "refund"),
    [
        (R.PAY_PROVIDER, None, "3.00", "0.00"),
        (R.REFUND_REQUESTER, None, "0.00", "3.00"),
        (R.SPLIT, "1.00", "1.50", "1.50"),
        # 0.75 h × 1.50 = 1.125, half-even to the hundredth: 1.12
        (R.SPLIT, "0.75", "1.12", "1.88"),
        (R.SPLIT, "2.00", "3.00", "0.00"),
    ],
)
def test_a_resolution_divides_what_escrow_holds(
    resolution: R, provider_hours: str | None, paid: str, refund: str
) -> None:
    dispute = opened(confirmed=True)
    hours = Decimal(provider_hours) if provider_hours else None

    dispute.resolve(ADMIN.member_id, resolution, hours, "decided", NOW)

    assert dispute.status == DisputeState.RESOLVED
    [event] = dispute.events
    assert isinstance(event, ev.DisputeResolved)
    assert (event.provider_amount, event.requester_refund) == (Decimal(paid), Decimal(refund))
    assert (event.provider_hours, event.resolution, event.admin_id) == (
        hours,
        resolution,
        ADMIN.member_id,
    )


def test_a_split_pays_at_most_what_is_held() -> None:
    dispute = opened(confirmed=True)
    with pytest.raises(InvalidInput, match=r"more than the 3\.00 held"):
        dispute.resolve(ADMIN.member_id, R.SPLIT, Decimal("2.01"), "x", NOW)


def test_provider_hours_come_with_a_split_only() -> None:
    dispute = opened(confirmed=True)
    with pytest.raises(InvalidInput):
        dispute.resolve(ADMIN.member_id, R.SPLIT, None, "x", NOW)
    with pytest.raises(InvalidInput):
        dispute.resolve(ADMIN.member_id, R.PAY_PROVIDER, Decimal("1.00"), "x", NOW)


def test_a_closed_dispute_is_not_resolved_again() -> None:
    dispute = opened(confirmed=True)
    dispute.dismiss(ADMIN.member_id, "no case", NOW)

    assert isinstance(dispute.events[0], ev.DisputeDismissed)
    with pytest.raises(NotAllowedNow, match="the dispute is DISMISSED"):
        dispute.resolve(ADMIN.member_id, R.PAY_PROVIDER, None, "x", NOW)


# the requests service's answer ---------------------------------------------------------------


def test_confirmation_happens_once() -> None:
    dispute = opened()
    assert dispute.confirmed(NOW) is True
    assert dispute.confirmed(NOW) is False
    assert dispute.request_confirmed and dispute.events == []


def test_a_refusal_closes_the_dispute() -> None:
    dispute = opened()
    assert dispute.refused("the request is COMPLETED", NOW) is True

    assert (dispute.status, dispute.refusal_reason) == (
        DisputeState.REFUSED,
        "the request is COMPLETED",
    )
    [event] = dispute.events
    assert isinstance(event, ev.DisputeRefused)
    assert event.reason == "the request is COMPLETED"
    assert dispute.refused("again", NOW) is False
