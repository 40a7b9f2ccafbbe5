"""Reactions to the deadline and to escrow and disputes events: the transitions they make,
and the duplicates and late arrivals they ignore (False, nothing recorded)."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from hourbank_requests.domain import reactions
from hourbank_requests.domain.lifecycle import (
    DISPUTABLE,
    ESCROW_ANSWER_SECONDS,
    Actor,
    DeadlineKind,
    HistoryEntry,
)
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_shared.contracts import requests as ev
from hourbank_shared.contracts.enums import DisputeResolution, HoldFailureReason
from hourbank_shared.contracts.enums import RequestStatus as S

from .request_factory import (
    ACTUAL,
    ACTUAL_AMOUNT,
    AMOUNT,
    HOURS,
    NOW,
    RATE,
    Scene,
    d,
    only_event,
    scene,
)

H48 = timedelta(hours=48)


def state(r: ServiceRequest) -> tuple[object, ...]:
    return (
        (r.status, r.previous_status, r.deadline_kind, r.deadline_at, r.dispute_id, r.reason),
        (r.version, r.offer, r.offer_accepted, r.hours, r.rate, r.amount),
        list(r.events),
        list(r.history),
    )


def ignored(s: Scene, react: Callable[[], bool]) -> None:
    before = state(s.request)
    assert react() is False
    assert state(s.request) == before


# escrow held / hold failed --------------------------------------------------------------


def test_escrow_held_moves_to_awaiting_response_with_the_escrowed_step() -> None:
    s = scene(S.INITIATED, window=6)
    event_id = uuid4()
    assert reactions.escrow_held(s.request, s.time, event_id) is True

    r = s.request
    assert r.status is S.AWAITING_RESPONSE
    assert (r.deadline_kind, r.deadline_at) == (DeadlineKind.RESPONSE, NOW + timedelta(hours=6))
    event = only_event(r)
    assert isinstance(event, ev.RequestAwaitingResponse)
    assert (event.status, event.amount, event.deadline) == (
        S.AWAITING_RESPONSE, AMOUNT, NOW + timedelta(hours=6),
    )  # fmt: skip
    assert r.history == [
        HistoryEntry(S.INITIATED, S.AWAITING_RESPONSE, "ESCROWED", Actor.ESCROW, None, NOW,
                     event_id)
    ]  # fmt: skip


@pytest.mark.parametrize("reason", [
    HoldFailureReason.INSUFFICIENT_BALANCE, HoldFailureReason.ACCOUNT_MISSING,
])  # fmt: skip
def test_hold_failed_rejects_with_the_reason(reason: HoldFailureReason) -> None:
    s = scene(S.INITIATED)
    event_id = uuid4()
    assert reactions.escrow_hold_failed(s.request, reason, "available 1.00", s.time, event_id)

    r = s.request
    assert r.status is S.REJECTED
    assert r.reason == f"{reason.value}: available 1.00"
    assert r.deadline_at is None
    event = only_event(r)
    assert isinstance(event, ev.RequestRejected)
    assert (event.status, event.reason, event.detail) == (S.REJECTED, reason, "available 1.00")
    assert r.history == [
        HistoryEntry(S.INITIATED, S.REJECTED, "HOLD_FAILED", Actor.ESCROW, None, NOW, event_id,
                     f"{reason.value}: available 1.00")
    ]  # fmt: skip


def test_escrow_held_twice_is_ignored() -> None:
    s = scene(S.AWAITING_RESPONSE)
    ignored(s, lambda: reactions.escrow_held(s.request, s.time, uuid4()))


def test_hold_failed_after_held_is_ignored() -> None:
    s = scene(S.AWAITING_RESPONSE)
    reason = HoldFailureReason.INSUFFICIENT_BALANCE
    ignored(s, lambda: reactions.escrow_hold_failed(s.request, reason, "", s.time, uuid4()))


def test_held_after_hold_failed_is_ignored() -> None:
    s = scene(S.INITIATED)
    reason = HoldFailureReason.ACCOUNT_MISSING
    assert reactions.escrow_hold_failed(s.request, reason, "", s.time, uuid4())
    s.forget()
    ignored(s, lambda: reactions.escrow_held(s.request, s.time, uuid4()))


# escrow adjusted / adjust failed (the transitions are in test_request_lifecycle) ---------


@pytest.mark.parametrize("status", [S.AWAITING_RESPONSE, S.NEGOTIATING, S.ACCEPTED, S.PAID])
def test_adjusted_without_an_accepted_offer_is_ignored(status: S) -> None:
    s = scene(status)
    ignored(s, lambda: reactions.escrow_adjusted(s.request, s.time, uuid4()))
    reason = HoldFailureReason.INSUFFICIENT_BALANCE
    ignored(s, lambda: reactions.escrow_adjust_failed(s.request, reason, "", s.time, uuid4()))


def test_adjusted_twice_is_ignored() -> None:
    s = scene(S.NEGOTIATING)
    s.request.accept_offer(s.requester, s.time)
    assert reactions.escrow_adjusted(s.request, s.time, uuid4())
    s.forget()
    ignored(s, lambda: reactions.escrow_adjusted(s.request, s.time, uuid4()))
    reason = HoldFailureReason.INSUFFICIENT_BALANCE
    ignored(s, lambda: reactions.escrow_adjust_failed(s.request, reason, "", s.time, uuid4()))


def test_adjusted_after_the_request_was_cancelled_is_ignored() -> None:
    s = scene(S.NEGOTIATING)
    s.request.accept_offer(s.requester, s.time)
    s.request.cancel(s.requester, s.time)
    s.forget()
    ignored(s, lambda: reactions.escrow_adjusted(s.request, s.time, uuid4()))


# escrow released ------------------------------------------------------------------------


def test_released_pays_a_completed_request() -> None:
    s = scene(S.COMPLETED)
    event_id = uuid4()
    assert reactions.escrow_released(s.request, ACTUAL_AMOUNT, d("0.75"), s.time, event_id)

    assert s.request.status is S.PAID
    event = only_event(s.request)
    assert isinstance(event, ev.RequestPaid)
    assert (event.status, event.provider_amount, event.requester_refund, event.dispute_id) == (
        S.PAID, d("2.25"), d("0.75"), None,
    )  # fmt: skip
    assert s.request.history == [
        HistoryEntry(S.COMPLETED, S.PAID, "PAID", Actor.ESCROW, None, NOW, event_id)
    ]


@pytest.mark.parametrize("status", [
    S.PENDING_COMPLETION_CONFIRMATION, S.PAID, S.DISPUTED, S.REFUNDED, S.CANCELLED,
])  # fmt: skip
def test_released_when_not_completed_is_ignored(status: S) -> None:
    s = scene(status)
    ignored(s, lambda: reactions.escrow_released(s.request, d("1"), d("1"), s.time, uuid4()))


# deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "window"), [
    (S.AWAITING_RESPONSE, 24), (S.NEGOTIATING, 24),
    (S.PENDING_START_CONFIRMATION, 48), (S.PENDING_COMPLETION_CONFIRMATION, 48),
])  # fmt: skip
def test_deadline_not_yet_due_changes_nothing(status: S, window: int) -> None:
    s = scene(status)
    s.later(window - 0.001)
    ignored(s, lambda: reactions.deadline_passed(s.request, s.time))


@pytest.mark.parametrize(("status", "kind"), [
    (S.AWAITING_RESPONSE, DeadlineKind.RESPONSE), (S.NEGOTIATING, DeadlineKind.NEGOTIATION),
])  # fmt: skip
@pytest.mark.parametrize("late", [0, 5])
def test_deadline_expires_an_unanswered_request(status: S, kind: DeadlineKind, late: int) -> None:
    s = scene(status)
    s.later(24 + late)  # at the deadline, or after it
    assert reactions.deadline_passed(s.request, s.time) is True

    r = s.request
    assert r.status is S.EXPIRED
    assert (r.deadline_kind, r.deadline_at) == (None, None)
    event = only_event(r)
    assert isinstance(event, ev.RequestExpired)
    assert (event.status, event.previous_status, event.amount) == (S.EXPIRED, status, AMOUNT)
    assert r.history == [
        HistoryEntry(status, S.EXPIRED, f"{kind.value}_DEADLINE_PASSED", Actor.SYSTEM, None,
                     s.now)
    ]  # fmt: skip
    s.forget()  # it fires once
    ignored(s, lambda: reactions.deadline_passed(s.request, s.time))


def test_a_submission_escrow_never_answers_expires_in_real_seconds() -> None:
    s = scene(S.INITIATED, time_scale=3600)  # not scaled: an operational bound, not business
    s.clock.advance(timedelta(seconds=ESCROW_ANSWER_SECONDS - 1))
    ignored(s, lambda: reactions.deadline_passed(s.request, s.time))
    s.clock.advance(timedelta(seconds=1))
    assert reactions.deadline_passed(s.request, s.time) is True

    r = s.request
    assert (r.status, r.deadline_kind, r.deadline_at) == (S.EXPIRED, None, None)
    event = only_event(r)
    assert isinstance(event, ev.RequestExpired)  # escrow refunds it, or refuses a late hold
    assert (event.previous_status, event.amount) == (S.INITIATED, AMOUNT)
    assert [h.trigger for h in r.history] == ["ESCROW_ANSWER_DEADLINE_PASSED"]
    s.forget()
    ignored(s, lambda: reactions.escrow_held(s.request, s.time, uuid4()))  # too late


def test_escrow_answering_stops_the_submission_deadline() -> None:
    s = scene(S.INITIATED)
    assert reactions.escrow_held(s.request, s.time, uuid4())
    assert s.request.deadline_kind is DeadlineKind.RESPONSE


def test_the_requester_may_cancel_a_submission_escrow_has_not_answered() -> None:
    s = scene(S.INITIATED)
    s.request.cancel(s.requester, s.time)
    event = only_event(s.request)
    assert isinstance(event, ev.RequestCancelled)
    assert (event.status, event.previous_status, event.amount) == (S.CANCELLED, S.INITIATED, AMOUNT)
    assert (s.request.deadline_kind, s.request.deadline_at) == (None, None)


def test_response_deadline_uses_the_offerings_window_and_time_scale() -> None:
    s = scene(S.AWAITING_RESPONSE, window=6, time_scale=3600)
    s.clock.advance(timedelta(seconds=5))
    assert not reactions.deadline_passed(s.request, s.time)
    s.clock.advance(timedelta(seconds=1))
    assert reactions.deadline_passed(s.request, s.time)
    assert s.request.status is S.EXPIRED


def test_start_auto_confirms_after_48_hours() -> None:
    s = scene(S.PENDING_START_CONFIRMATION)
    s.later(48)
    assert reactions.deadline_passed(s.request, s.time) is True

    r = s.request
    assert r.status is S.IN_PROGRESS
    assert (r.deadline_kind, r.deadline_at) == (None, None)
    event = only_event(r)
    assert isinstance(event, ev.RequestStarted)
    assert (event.status, event.auto_confirmed) == (S.IN_PROGRESS, True)
    assert r.history == [
        HistoryEntry(S.PENDING_START_CONFIRMATION, S.IN_PROGRESS, "START_AUTO_CONFIRMED",
                     Actor.SYSTEM, None, NOW + H48)
    ]  # fmt: skip


def test_completion_auto_confirms_after_48_hours() -> None:
    s = scene(S.PENDING_COMPLETION_CONFIRMATION)
    s.later(49)
    assert reactions.deadline_passed(s.request, s.time) is True

    r = s.request
    assert r.status is S.COMPLETED
    event = only_event(r)
    assert isinstance(event, ev.RequestCompleted)
    assert (event.auto_confirmed, event.hours, event.rate, event.amount) == (
        True, HOURS, RATE, AMOUNT,
    )  # fmt: skip
    assert (event.actual_hours, event.actual_amount) == (ACTUAL, ACTUAL_AMOUNT)
    assert r.history == [
        HistoryEntry(S.PENDING_COMPLETION_CONFIRMATION, S.COMPLETED,
                     "COMPLETION_AUTO_CONFIRMED", Actor.SYSTEM, None, NOW + timedelta(hours=49))
    ]  # fmt: skip


@pytest.mark.parametrize(("status", "act"), [
    (S.AWAITING_RESPONSE, lambda s: s.request.accept(s.provider, s.time)),
    (S.AWAITING_RESPONSE, lambda s: s.request.decline(s.provider, s.time)),
    (S.AWAITING_RESPONSE, lambda s: s.request.cancel(s.requester, s.time)),
    (S.NEGOTIATING, lambda s: s.request.accept_offer(s.requester, s.time)),
    (S.PENDING_START_CONFIRMATION, lambda s: s.request.confirm_start(s.requester, s.time)),
    (S.PENDING_COMPLETION_CONFIRMATION,
     lambda s: s.request.confirm_completion(s.requester, s.time)),
])  # fmt: skip
def test_a_deadline_firing_after_a_user_action_is_ignored(
    status: S, act: Callable[[Scene], None]
) -> None:
    s = scene(status)
    s.later(23)
    act(s)  # the user acts just before the deadline
    s.forget()
    s.later(100)  # the old deadline (and any other 48 h) is long past
    ignored(s, lambda: reactions.deadline_passed(s.request, s.time))


def test_response_deadline_after_a_counter_does_not_expire_the_negotiation() -> None:
    s = scene(S.AWAITING_RESPONSE)
    s.later(23)
    s.request.counter(s.provider, d("1.00"), None, "", s.time)
    s.forget()
    s.later(1)  # the response deadline passes; the negotiation one runs 23 h more
    ignored(s, lambda: reactions.deadline_passed(s.request, s.time))
    s.later(23)
    assert reactions.deadline_passed(s.request, s.time)
    assert s.request.status is S.EXPIRED


# disputes -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(DISPUTABLE))
@pytest.mark.parametrize("by", ["requester", "provider"])
def test_a_party_opens_a_dispute_and_deadlines_pause(status: S, by: str) -> None:
    s = scene(status)
    raiser = s.requester if by == "requester" else s.provider
    dispute_id, event_id = uuid4(), uuid4()
    assert reactions.dispute_opened(s.request, dispute_id, raiser.member_id, s.time, event_id)

    r = s.request
    assert (r.status, r.previous_status, r.dispute_id) == (S.DISPUTED, status, dispute_id)
    assert (r.deadline_kind, r.deadline_at) == (None, None)
    event = only_event(r)
    assert isinstance(event, ev.RequestDisputed)
    assert (event.status, event.dispute_id, event.previous_status) == (
        S.DISPUTED, dispute_id, status,
    )  # fmt: skip
    actor = Actor.REQUESTER if by == "requester" else Actor.PROVIDER
    assert r.history == [
        HistoryEntry(status, S.DISPUTED, "DISPUTED", actor, raiser.member_id, NOW, event_id)
    ]
    s.later(1000)  # no deadline runs while disputed
    assert not reactions.deadline_passed(r, s.time)


@pytest.mark.parametrize("status", [
    S.INITIATED, S.AWAITING_RESPONSE, S.NEGOTIATING, S.COMPLETED, S.PAID, S.REJECTED,
    S.EXPIRED, S.CANCELLED, S.REFUNDED, S.SETTLED,
])  # fmt: skip
def test_a_dispute_from_a_non_disputable_status_is_refused(status: S) -> None:
    s = scene(status)
    before = state(s.request)[0]
    version = s.request.version
    dispute_id = uuid4()
    assert reactions.dispute_opened(s.request, dispute_id, s.requester.member_id, s.time, uuid4())

    assert state(s.request)[0] == before  # status and deadline unchanged
    assert s.request.version == version + 1  # the refusal is an event of the request
    assert s.request.history == []
    event = only_event(s.request)
    assert isinstance(event, ev.RequestDisputeRefused)
    assert (event.status, event.dispute_id) == (status, dispute_id)
    assert event.reason == f"a request that is {status} cannot be disputed"


def test_a_dispute_by_a_non_party_is_refused() -> None:
    s = scene(S.ACCEPTED)
    dispute_id = uuid4()
    assert reactions.dispute_opened(s.request, dispute_id, s.stranger.member_id, s.time, uuid4())
    assert (s.request.status, s.request.dispute_id, s.request.history) == (S.ACCEPTED, None, [])
    event = only_event(s.request)
    assert isinstance(event, ev.RequestDisputeRefused)
    assert (event.status, event.dispute_id, event.reason) == (
        S.ACCEPTED, dispute_id, "only a party of the request may dispute it",
    )  # fmt: skip


def test_a_second_dispute_while_disputed_is_refused() -> None:
    s = scene(S.DISPUTED)
    other = uuid4()
    assert reactions.dispute_opened(s.request, other, s.provider.member_id, s.time, uuid4())
    assert (s.request.status, s.request.dispute_id) == (S.DISPUTED, s.dispute_id)
    event = only_event(s.request)
    assert isinstance(event, ev.RequestDisputeRefused)
    assert event.dispute_id == other
    assert str(s.dispute_id) in event.reason


def test_the_same_dispute_opened_twice_is_ignored() -> None:
    s = scene(S.DISPUTED)
    ignored(s, lambda: reactions.dispute_opened(
        s.request, s.dispute_id, s.requester.member_id, s.time, uuid4()))  # fmt: skip


@pytest.mark.parametrize("path", ["dismissed", "settled"])
def test_a_late_duplicate_of_a_closed_dispute_is_ignored(path: str) -> None:
    """The dispute's opening redelivered after it was dismissed (or settled) is a duplicate:
    it must neither dispute the request again nor record a refusal."""
    s = scene(S.DISPUTED)
    if path == "dismissed":
        assert reactions.dispute_dismissed(s.request, s.dispute_id, s.time, uuid4())
    else:
        resolution = DisputeResolution.PAY_PROVIDER
        assert reactions.escrow_settled(
            s.request, s.dispute_id, resolution, AMOUNT, d("0"), s.time, uuid4()
        )
    s.forget()
    ignored(s, lambda: reactions.dispute_opened(
        s.request, s.dispute_id, s.requester.member_id, s.time, uuid4()))  # fmt: skip


DISMISSAL = [
    (S.ACCEPTED, None, None),
    (S.PENDING_START_CONFIRMATION, DeadlineKind.START_CONFIRMATION, 48),
    (S.IN_PROGRESS, None, None),
    (S.PENDING_COMPLETION_CONFIRMATION, DeadlineKind.COMPLETION_CONFIRMATION, 48),
]


@pytest.mark.parametrize(("status", "kind", "hours"), DISMISSAL)
def test_dismissal_restores_the_previous_status_with_a_fresh_deadline(
    status: S, kind: DeadlineKind | None, hours: int | None
) -> None:
    s = scene(status)
    dispute_id = uuid4()
    s.later(47)  # nearly timed out when disputed
    assert reactions.dispute_opened(s.request, dispute_id, s.provider.member_id, s.time, uuid4())
    s.later(200)  # the dispute takes a while
    s.forget()
    event_id = uuid4()
    assert reactions.dispute_dismissed(s.request, dispute_id, s.time, event_id)

    r = s.request
    fresh = None if hours is None else s.now + timedelta(hours=hours)
    assert (r.status, r.previous_status) == (status, None)
    assert (r.deadline_kind, r.deadline_at) == (kind, fresh)
    event = only_event(r)
    assert isinstance(event, ev.RequestResumed)
    assert (event.status, event.dispute_id, event.deadline) == (status, dispute_id, fresh)
    assert r.history == [
        HistoryEntry(S.DISPUTED, status, "DISPUTE_DISMISSED", Actor.DISPUTES, None, s.now,
                     event_id)
    ]  # fmt: skip
    if hours is not None:  # and it fires again, from the dismissal
        s.later(hours - 1)
        assert not reactions.deadline_passed(r, s.time)
        s.later(1)
        assert reactions.deadline_passed(r, s.time)


@pytest.mark.parametrize("status", [S.ACCEPTED, S.PAID, S.CANCELLED])
def test_dismissed_when_not_disputed_is_ignored(status: S) -> None:
    s = scene(status)
    ignored(s, lambda: reactions.dispute_dismissed(s.request, s.dispute_id, s.time, uuid4()))


def test_dismissed_for_another_dispute_is_ignored() -> None:
    s = scene(S.DISPUTED)
    ignored(s, lambda: reactions.dispute_dismissed(s.request, uuid4(), s.time, uuid4()))


def test_dismissed_twice_is_ignored() -> None:
    s = scene(S.DISPUTED)
    assert reactions.dispute_dismissed(s.request, s.dispute_id, s.time, uuid4())
    s.forget()
    ignored(s, lambda: reactions.dispute_dismissed(s.request, s.dispute_id, s.time, uuid4()))


SETTLEMENTS = [
    (DisputeResolution.PAY_PROVIDER, S.PAID, ev.RequestPaid, "3.00", "0.00"),
    (DisputeResolution.REFUND_REQUESTER, S.REFUNDED, ev.RequestRefunded, "0.00", "3.00"),
    (DisputeResolution.SPLIT, S.SETTLED, ev.RequestSettled, "1.25", "1.75"),
]


@pytest.mark.parametrize(("resolution", "to", "kind", "provider", "refund"), SETTLEMENTS)
def test_each_resolution_settles_the_request(
    resolution: DisputeResolution, to: S, kind: type[ev.RequestEvent], provider: str, refund: str
) -> None:
    s = scene(S.DISPUTED)
    event_id = uuid4()
    assert reactions.escrow_settled(
        s.request, s.dispute_id, resolution, d(provider), d(refund), s.time, event_id
    )

    r = s.request
    assert r.status is to
    assert (r.deadline_kind, r.deadline_at) == (None, None)
    event = only_event(r)
    assert type(event) is kind
    assert (event.status, event.dispute_id, event.requester_refund) == (  # type: ignore[attr-defined]
        to, s.dispute_id, d(refund),
    )  # fmt: skip
    if kind is not ev.RequestRefunded:
        assert event.provider_amount == d(provider)  # type: ignore[attr-defined]
    assert r.history == [
        HistoryEntry(S.DISPUTED, to, f"DISPUTE_{resolution.value}", Actor.DISPUTES, None, NOW,
                     event_id)
    ]  # fmt: skip
    # a second settlement is a duplicate
    s.forget()
    ignored(s, lambda: reactions.escrow_settled(
        r, s.dispute_id, resolution, d(provider), d(refund), s.time, uuid4()))  # fmt: skip


def test_settled_for_another_dispute_is_ignored() -> None:
    s = scene(S.DISPUTED)
    other: UUID = uuid4()
    ignored(s, lambda: reactions.escrow_settled(
        s.request, other, DisputeResolution.SPLIT, d("1"), d("2"), s.time, uuid4()))  # fmt: skip


@pytest.mark.parametrize("status", [S.ACCEPTED, S.COMPLETED, S.PAID])
def test_settled_when_not_disputed_is_ignored(status: S) -> None:
    s = scene(status)
    resolution = DisputeResolution.REFUND_REQUESTER
    ignored(s, lambda: reactions.escrow_settled(
        s.request, s.dispute_id, resolution, Decimal(0), AMOUNT, s.time, uuid4()))  # fmt: skip
