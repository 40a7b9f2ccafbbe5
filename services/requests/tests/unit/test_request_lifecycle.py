"""Every command transition of SPEC §4: status, contract event, history entry, deadline."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from hourbank_requests.domain import reactions
from hourbank_requests.domain.errors import InvalidInput, NotAllowedNow
from hourbank_requests.domain.lifecycle import Actor, DeadlineKind, HistoryEntry
from hourbank_requests.domain.service_request import Offer
from hourbank_shared.contracts import requests as ev
from hourbank_shared.contracts.enums import HoldFailureReason, Party
from hourbank_shared.contracts.enums import RequestStatus as S

from .request_factory import (
    ACTUAL,
    ACTUAL_AMOUNT,
    AMOUNT,
    COUNTER_AMOUNT,
    COUNTER_HOURS,
    HOURS,
    NOW,
    RATE,
    Scene,
    d,
    only_event,
    scene,
)

H24, H48 = timedelta(hours=24), timedelta(hours=48)


def entry(
    s: Scene, frm: S, to: S, trigger: str, actor: Actor, who: UUID | None, **kw: Any
) -> HistoryEntry:
    return HistoryEntry(frm, to, trigger, actor, who, s.now, **kw)


def assert_parties(event: ev.RequestEvent, s: Scene) -> None:
    assert event.request_id == s.request.id
    assert event.requester_id == s.requester.member_id
    assert event.provider_id == s.provider.member_id
    assert event.offering_id == s.offering_id


# the provider answers ------------------------------------------------------------------


def test_provider_accepts_awaiting_response() -> None:
    s = scene(S.AWAITING_RESPONSE)
    assert s.request.deadline_kind is DeadlineKind.RESPONSE  # running before the answer
    s.request.accept(s.provider, s.time)

    r = s.request
    assert r.status is S.ACCEPTED
    assert (r.deadline_kind, r.deadline_at) == (None, None)
    event = only_event(r)
    assert isinstance(event, ev.RequestAccepted)
    assert_parties(event, s)
    assert (event.status, event.hours, event.rate, event.amount) == (
        S.ACCEPTED, d("2.00"), d("1.50"), d("3.00"),
    )  # fmt: skip
    assert r.history == [
        entry(s, S.AWAITING_RESPONSE, S.ACCEPTED, "ACCEPTED", Actor.PROVIDER, s.provider.member_id)
    ]


def test_provider_declines_awaiting_response() -> None:
    s = scene(S.AWAITING_RESPONSE)
    s.request.decline(s.provider, s.time)

    assert s.request.status is S.REJECTED
    assert s.request.deadline_at is None
    event = only_event(s.request)
    assert isinstance(event, ev.RequestDeclined)
    assert (event.status, event.declined_by, event.by_party, event.round) == (
        S.REJECTED, s.provider.member_id, Party.PROVIDER, 0,
    )  # fmt: skip
    assert s.request.history == [
        entry(s, S.AWAITING_RESPONSE, S.REJECTED, "DECLINED", Actor.PROVIDER, s.provider.member_id)
    ]


@pytest.mark.parametrize(("party", "actor"), [
    (Party.REQUESTER, Actor.REQUESTER), (Party.PROVIDER, Actor.PROVIDER),
])  # fmt: skip
def test_either_party_declines_while_negotiating(party: Party, actor: Actor) -> None:
    s = scene(S.NEGOTIATING)
    caller = s.requester if party is Party.REQUESTER else s.provider
    s.request.decline(caller, s.time)

    assert s.request.status is S.REJECTED
    assert (s.request.deadline_kind, s.request.deadline_at) == (None, None)
    event = only_event(s.request)
    assert isinstance(event, ev.RequestDeclined)
    assert (event.declined_by, event.by_party, event.round) == (caller.member_id, party, 1)
    assert s.request.history == [
        entry(s, S.NEGOTIATING, S.REJECTED, "DECLINED", actor, caller.member_id)
    ]


def test_provider_counters_awaiting_response_opens_round_1() -> None:
    s = scene(S.AWAITING_RESPONSE)
    s.later(3)  # the negotiation deadline counts from the counter, not from the request
    s.request.counter(s.provider, d("3.00"), d("2.00"), "three hours at 2", s.time)

    r = s.request
    assert (r.status, r.round) == (S.NEGOTIATING, 1)
    assert r.offer == Offer(Party.PROVIDER, d("3.00"), d("2.00"), "three hours at 2")
    assert (r.hours, r.rate, r.amount) == (HOURS, RATE, AMOUNT)  # terms unchanged until agreed
    assert r.deadline_kind is DeadlineKind.NEGOTIATION
    assert r.deadline_at == NOW + timedelta(hours=3) + H24
    event = only_event(r)
    assert isinstance(event, ev.RequestCounterOffered)
    assert_parties(event, s)
    assert (event.status, event.round, event.offered_by) == (S.NEGOTIATING, 1, Party.PROVIDER)
    assert (event.hours, event.rate, event.amount) == (d("3.00"), d("2.00"), d("6.00"))
    assert (event.message, event.deadline) == ("three hours at 2", r.deadline_at)
    assert r.history == [
        entry(s, S.AWAITING_RESPONSE, S.NEGOTIATING, "COUNTER_OFFER_1", Actor.PROVIDER,
              s.provider.member_id)
    ]  # fmt: skip


# cancelling -----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "party"), [
    (S.AWAITING_RESPONSE, Party.REQUESTER),
    (S.NEGOTIATING, Party.REQUESTER),
    (S.ACCEPTED, Party.REQUESTER),
    (S.ACCEPTED, Party.PROVIDER),
])  # fmt: skip
def test_cancel(status: S, party: Party) -> None:
    s = scene(status)
    caller = s.requester if party is Party.REQUESTER else s.provider
    s.request.cancel(caller, s.time)

    assert s.request.status is S.CANCELLED
    assert (s.request.deadline_kind, s.request.deadline_at) == (None, None)
    event = only_event(s.request)
    assert isinstance(event, ev.RequestCancelled)
    assert_parties(event, s)
    assert (event.status, event.cancelled_by, event.by_party) == (
        S.CANCELLED, caller.member_id, party,
    )  # fmt: skip
    assert (event.previous_status, event.amount) == (status, AMOUNT)
    actor = Actor.REQUESTER if party is Party.REQUESTER else Actor.PROVIDER
    assert s.request.history == [
        entry(s, status, S.CANCELLED, "CANCELLED", actor, caller.member_id)
    ]


# doing the work -------------------------------------------------------------------------


def test_provider_reports_start_with_48h_confirmation_deadline() -> None:
    s = scene(S.ACCEPTED)
    s.request.report_start(s.provider, s.time)

    r = s.request
    assert r.status is S.PENDING_START_CONFIRMATION
    assert (r.deadline_kind, r.deadline_at) == (DeadlineKind.START_CONFIRMATION, NOW + H48)
    event = only_event(r)
    assert isinstance(event, ev.RequestStartReported)
    assert (event.status, event.deadline) == (S.PENDING_START_CONFIRMATION, NOW + H48)
    assert r.history == [
        entry(s, S.ACCEPTED, S.PENDING_START_CONFIRMATION, "START_REPORTED", Actor.PROVIDER,
              s.provider.member_id)
    ]  # fmt: skip


def test_requester_confirms_start() -> None:
    s = scene(S.PENDING_START_CONFIRMATION)
    s.request.confirm_start(s.requester, s.time)

    assert s.request.status is S.IN_PROGRESS
    assert (s.request.deadline_kind, s.request.deadline_at) == (None, None)
    event = only_event(s.request)
    assert isinstance(event, ev.RequestStarted)
    assert (event.status, event.auto_confirmed) == (S.IN_PROGRESS, False)
    assert s.request.history == [
        entry(s, S.PENDING_START_CONFIRMATION, S.IN_PROGRESS, "START_CONFIRMED",
              Actor.REQUESTER, s.requester.member_id)
    ]  # fmt: skip


@pytest.mark.parametrize(("actual", "actual_amount"), [
    ("2.00", "3.00"), ("1.50", "2.25"), ("0.01", "0.02"), ("0.03", "0.04"),
])  # fmt: skip
def test_provider_reports_completion(actual: str, actual_amount: str) -> None:
    """actual × rate rounded half-even: 0.01 × 1.5 = 0.015 → 0.02, 0.03 × 1.5 = 0.045 → 0.04."""
    s = scene(S.IN_PROGRESS)
    s.request.report_completion(s.provider, d(actual), s.time)

    r = s.request
    assert r.status is S.PENDING_COMPLETION_CONFIRMATION
    assert (r.actual_hours, r.actual_amount) == (d(actual), d(actual_amount))
    assert (r.deadline_kind, r.deadline_at) == (DeadlineKind.COMPLETION_CONFIRMATION, NOW + H48)
    event = only_event(r)
    assert isinstance(event, ev.RequestCompletionReported)
    assert (event.actual_hours, event.actual_amount, event.deadline) == (
        d(actual), d(actual_amount), NOW + H48,
    )  # fmt: skip
    assert r.history == [
        entry(s, S.IN_PROGRESS, S.PENDING_COMPLETION_CONFIRMATION, "COMPLETION_REPORTED",
              Actor.PROVIDER, s.provider.member_id, detail=f"{d(actual)} h worked")
    ]  # fmt: skip


@pytest.mark.parametrize("actual", ["0", "0.00", "-1.00", "2.01", "3.00"])
def test_report_completion_outside_0_to_agreed_is_invalid(actual: str) -> None:
    s = scene(S.IN_PROGRESS)
    with pytest.raises(InvalidInput, match=r"at most the agreed 2\.00"):
        s.request.report_completion(s.provider, d(actual), s.time)
    assert s.request.status is S.IN_PROGRESS
    assert (s.request.actual_hours, s.request.events, s.request.history) == (None, [], [])


def test_requester_confirms_completion() -> None:
    s = scene(S.PENDING_COMPLETION_CONFIRMATION)
    s.request.confirm_completion(s.requester, s.time)

    assert s.request.status is S.COMPLETED
    assert (s.request.deadline_kind, s.request.deadline_at) == (None, None)
    event = only_event(s.request)
    assert isinstance(event, ev.RequestCompleted)
    assert (event.status, event.auto_confirmed) == (S.COMPLETED, False)
    assert (event.hours, event.rate, event.amount) == (HOURS, RATE, AMOUNT)
    assert (event.actual_hours, event.actual_amount) == (ACTUAL, ACTUAL_AMOUNT)
    assert s.request.history == [
        entry(s, S.PENDING_COMPLETION_CONFIRMATION, S.COMPLETED, "COMPLETION_CONFIRMED",
              Actor.REQUESTER, s.requester.member_id)
    ]  # fmt: skip


# ratings --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.PAID, S.SETTLED])
@pytest.mark.parametrize("party", [Party.REQUESTER, Party.PROVIDER])
def test_each_party_rates_the_other(status: S, party: Party) -> None:
    s = scene(status)
    rater, ratee = (s.requester, s.provider) if party is Party.REQUESTER else (
        s.provider, s.requester)  # fmt: skip
    assert s.request.rate_other(rater, 4, "kind and punctual", s.time) == ratee.member_id

    assert s.request.status is status
    event = only_event(s.request)
    assert isinstance(event, ev.RequestRated)
    assert (event.status, event.rater_id, event.ratee_id) == (
        status, rater.member_id, ratee.member_id,
    )  # fmt: skip
    assert (event.score, event.comment) == (4, "kind and punctual")
    actor = Actor.REQUESTER if party is Party.REQUESTER else Actor.PROVIDER
    assert s.request.history == [
        entry(s, status, status, "RATED", actor, rater.member_id, detail="4/5")
    ]


@pytest.mark.parametrize("score", [0, 6, -1])
def test_rating_score_outside_1_to_5_is_invalid(score: int) -> None:
    s = scene(S.PAID)
    with pytest.raises(InvalidInput, match="1 to 5"):
        s.request.rate_other(s.requester, score, "", s.time)
    assert (s.request.events, s.request.history) == ([], [])


# deadlines and the time scale -----------------------------------------------------------


@pytest.mark.parametrize(("time_scale", "window"), [
    (1, timedelta(hours=6)), (3600, timedelta(seconds=6)),
])  # fmt: skip
def test_response_deadline_is_the_offerings_window_scaled(
    time_scale: float, window: timedelta
) -> None:
    s = scene(S.INITIATED, window=6, time_scale=time_scale)
    assert reactions.escrow_held(s.request, s.time, uuid4())
    assert s.request.deadline_kind is DeadlineKind.RESPONSE
    assert s.request.deadline_at == NOW + window
    event = only_event(s.request)
    assert isinstance(event, ev.RequestAwaitingResponse)
    assert event.deadline == NOW + window


@pytest.mark.parametrize(("time_scale", "negotiation", "confirmation"), [
    (1, timedelta(hours=24), timedelta(hours=48)),
    (3600, timedelta(seconds=24), timedelta(seconds=48)),
])  # fmt: skip
def test_negotiation_and_confirmation_windows_scale(
    time_scale: float, negotiation: timedelta, confirmation: timedelta
) -> None:
    s = scene(S.AWAITING_RESPONSE, time_scale=time_scale)
    s.request.counter(s.provider, d("1.00"), None, "", s.time)
    assert s.request.deadline_at == NOW + negotiation

    s = scene(S.ACCEPTED, time_scale=time_scale)
    s.request.report_start(s.provider, s.time)
    assert s.request.deadline_at == NOW + confirmation
    s.request.confirm_start(s.requester, s.time)
    s.request.report_completion(s.provider, d("1.00"), s.time)
    assert s.request.deadline_at == NOW + confirmation


# the happy path -------------------------------------------------------------------------


def test_happy_path_from_submission_to_paid_and_rated_by_both() -> None:
    s = scene(S.INITIATED)
    r = s.submit()  # afresh, keeping the submission's event and history entry
    steps: list[Callable[[], object]] = [
        lambda: reactions.escrow_held(r, s.time, uuid4()),
        lambda: r.accept(s.provider, s.time),
        lambda: r.report_start(s.provider, s.time),
        lambda: r.confirm_start(s.requester, s.time),
        lambda: r.report_completion(s.provider, ACTUAL, s.time),
        lambda: r.confirm_completion(s.requester, s.time),
        lambda: reactions.escrow_released(r, d("2.25"), d("0.75"), s.time, uuid4()),
        lambda: r.rate_other(s.requester, 5, "great", s.time),
        lambda: r.rate_other(s.provider, 4, "thanks", s.time),
    ]
    for step in steps:
        s.later(1)
        step()

    assert r.status is S.PAID
    assert [(h.from_status, h.to_status, h.trigger) for h in r.history] == [
        (None, S.INITIATED, "SUBMITTED"),
        (S.INITIATED, S.AWAITING_RESPONSE, "ESCROWED"),
        (S.AWAITING_RESPONSE, S.ACCEPTED, "ACCEPTED"),
        (S.ACCEPTED, S.PENDING_START_CONFIRMATION, "START_REPORTED"),
        (S.PENDING_START_CONFIRMATION, S.IN_PROGRESS, "START_CONFIRMED"),
        (S.IN_PROGRESS, S.PENDING_COMPLETION_CONFIRMATION, "COMPLETION_REPORTED"),
        (S.PENDING_COMPLETION_CONFIRMATION, S.COMPLETED, "COMPLETION_CONFIRMED"),
        (S.COMPLETED, S.PAID, "PAID"),
        (S.PAID, S.PAID, "RATED"),
        (S.PAID, S.PAID, "RATED"),
    ]
    assert [h.at for h in r.history] == [NOW + timedelta(hours=i) for i in range(10)]
    assert [h.actor for h in r.history] == [
        Actor.REQUESTER, Actor.ESCROW, Actor.PROVIDER, Actor.PROVIDER, Actor.REQUESTER,
        Actor.PROVIDER, Actor.REQUESTER, Actor.ESCROW, Actor.REQUESTER, Actor.PROVIDER,
    ]  # fmt: skip
    ids = {Actor.REQUESTER: s.requester.member_id, Actor.PROVIDER: s.provider.member_id}
    assert [h.actor_id for h in r.history] == [ids.get(h.actor) for h in r.history]
    assert [type(e) for e in r.events] == [
        ev.RequestSubmitted, ev.RequestAwaitingResponse, ev.RequestAccepted,
        ev.RequestStartReported, ev.RequestStarted, ev.RequestCompletionReported,
        ev.RequestCompleted, ev.RequestPaid, ev.RequestRated, ev.RequestRated,
    ]  # fmt: skip
    assert [getattr(e, "status", None) for e in r.events] == [h.to_status for h in r.history]
    paid = r.events[7]
    assert isinstance(paid, ev.RequestPaid)
    assert (paid.provider_amount, paid.requester_refund, paid.dispute_id) == (
        d("2.25"), d("0.75"), None,
    )  # fmt: skip
    assert (r.deadline_kind, r.deadline_at) == (None, None)
    assert r.version == 10  # one per event, each carrying it as its sequence
    assert [e.sequence for e in r.events if isinstance(e, ev.RequestEvent)] == list(range(1, 11))


# negotiation ----------------------------------------------------------------------------


def test_requester_counters_the_providers_offer_round_2() -> None:
    s = scene(S.NEGOTIATING)
    s.later(5)
    s.request.counter(s.requester, d("2.50"), d("1.20"), "meet me halfway", s.time)

    r = s.request
    assert (r.status, r.round) == (S.NEGOTIATING, 2)
    assert r.offer == Offer(Party.REQUESTER, d("2.50"), d("1.20"), "meet me halfway")
    assert r.deadline_at == s.now + H24  # a fresh 24 h, not the round-1 deadline
    event = only_event(r)
    assert isinstance(event, ev.RequestCounterOffered)
    assert (event.round, event.offered_by, event.hours, event.rate, event.amount) == (
        2, Party.REQUESTER, d("2.50"), d("1.20"), d("3.00"),
    )  # fmt: skip
    assert event.deadline == s.now + H24
    assert r.history == [
        entry(s, S.NEGOTIATING, S.NEGOTIATING, "COUNTER_OFFER_2", Actor.REQUESTER,
              s.requester.member_id)
    ]  # fmt: skip


def test_the_same_party_cannot_counter_twice_in_a_row() -> None:
    s = scene(S.NEGOTIATING)
    before = (s.request.round, s.request.offer, s.request.deadline_at, s.request.version)
    with pytest.raises(NotAllowedNow, match="other party must answer"):
        s.request.counter(s.provider, d("1.00"), None, "again", s.time)
    r = s.request
    assert (r.round, r.offer, r.deadline_at, r.version) == before
    assert (r.events, r.history) == ([], [])


def test_a_sixth_round_is_refused() -> None:
    s = scene(S.AWAITING_RESPONSE)
    parties = [s.provider, s.requester, s.provider, s.requester, s.provider]
    for i, caller in enumerate(parties, start=1):
        s.request.counter(caller, d(f"{i}.00"), None, f"round {i}", s.time)
    assert s.request.round == 5
    assert [e.round for e in s.request.events] == [1, 2, 3, 4, 5]  # type: ignore[attr-defined]
    s.forget()

    with pytest.raises(NotAllowedNow, match="limited to 5 rounds"):
        s.request.counter(s.requester, d("9.00"), None, "round 6", s.time)
    assert s.request.round == 5
    assert s.request.offer == Offer(Party.PROVIDER, d("5.00"), RATE, "round 5")
    assert (s.request.events, s.request.history) == ([], [])
    # the last offer can still be accepted
    s.request.accept_offer(s.requester, s.time)
    assert s.request.offer_accepted


def test_counter_with_only_hours_keeps_the_rate_on_the_table() -> None:
    s = scene(S.AWAITING_RESPONSE)
    s.request.counter(s.provider, d("3.00"), d("2.00"), "at 2", s.time)
    s.request.counter(s.requester, d("2.50"), None, "fewer hours", s.time)

    assert s.request.offer == Offer(Party.REQUESTER, d("2.50"), d("2.00"), "fewer hours")
    last = s.request.events[-1]
    assert isinstance(last, ev.RequestCounterOffered)
    assert (last.rate, last.amount) == (d("2.00"), d("5.00"))


def test_first_counter_with_only_hours_keeps_the_requests_rate() -> None:
    s = scene(S.AWAITING_RESPONSE)
    s.request.counter(s.provider, d("4.00"), None, "", s.time)
    assert s.request.offer == Offer(Party.PROVIDER, d("4.00"), RATE, "")
    assert s.request.offer.amount == d("6.00")


@pytest.mark.parametrize(("hours", "rate"), [
    ("0.01", "0.40"),  # 0.004 → 0.00
    ("0.01", "0.50"),  # 0.005 → 0.00 (half-even)
    ("0", None),
    ("-1.00", None),
])  # fmt: skip
def test_counter_whose_amount_rounds_to_zero_is_invalid(hours: str, rate: str | None) -> None:
    s = scene(S.AWAITING_RESPONSE)
    with pytest.raises(InvalidInput):
        s.request.counter(s.provider, d(hours), None if rate is None else d(rate), "", s.time)
    r = s.request
    assert (r.status, r.round, r.offer, r.events, r.history) == (
        S.AWAITING_RESPONSE, 0, None, [], [],
    )  # fmt: skip


def test_counter_of_0_01_at_0_51_rounds_up_to_0_01_and_is_allowed() -> None:
    s = scene(S.AWAITING_RESPONSE)
    s.request.counter(s.provider, d("0.01"), d("0.51"), "", s.time)
    assert s.request.offer is not None
    assert s.request.offer.amount == d("0.01")


def test_accept_offer_by_the_party_who_did_not_make_it() -> None:
    s = scene(S.NEGOTIATING)
    s.request.accept_offer(s.requester, s.time)

    r = s.request
    assert r.status is S.NEGOTIATING
    assert r.offer_accepted
    assert (r.deadline_kind, r.deadline_at) == (None, None)  # paused while escrow adjusts
    assert (r.hours, r.rate, r.amount) == (HOURS, RATE, AMOUNT)  # not until escrow adjusted
    event = only_event(r)
    assert isinstance(event, ev.RequestOfferAccepted)
    assert_parties(event, s)
    assert (event.status, event.accepted_by) == (S.NEGOTIATING, Party.REQUESTER)
    assert (event.hours, event.rate, event.amount, event.previous_amount) == (
        COUNTER_HOURS, RATE, COUNTER_AMOUNT, AMOUNT,
    )  # fmt: skip
    assert r.history == [
        entry(s, S.NEGOTIATING, S.NEGOTIATING, "OFFER_ACCEPTED", Actor.REQUESTER,
              s.requester.member_id)
    ]  # fmt: skip
    # nothing is due while escrow adjusts
    s.later(1000)
    assert not reactions.deadline_passed(r, s.time)


def test_provider_accepts_the_requesters_offer() -> None:
    s = scene(S.NEGOTIATING)
    s.request.counter(s.requester, d("1.00"), d("1.00"), "", s.time)
    s.forget()
    s.request.accept_offer(s.provider, s.time)
    event = only_event(s.request)
    assert isinstance(event, ev.RequestOfferAccepted)
    assert (event.accepted_by, event.amount, event.previous_amount) == (
        Party.PROVIDER, d("1.00"), AMOUNT,
    )  # fmt: skip


def test_the_offer_maker_cannot_accept_their_own_offer() -> None:
    s = scene(S.NEGOTIATING)
    with pytest.raises(NotAllowedNow, match="did not make the last offer"):
        s.request.accept_offer(s.provider, s.time)
    assert not s.request.offer_accepted
    assert s.request.events == []


def test_after_acceptance_no_counter_and_no_second_acceptance() -> None:
    s = scene(S.NEGOTIATING)
    s.request.accept_offer(s.requester, s.time)
    s.forget()
    with pytest.raises(NotAllowedNow, match="already accepted"):
        s.request.accept_offer(s.requester, s.time)
    with pytest.raises(NotAllowedNow, match="escrow is adjusting"):
        s.request.counter(s.requester, d("1.00"), None, "", s.time)
    with pytest.raises(NotAllowedNow):
        s.request.counter(s.provider, d("1.00"), None, "", s.time)
    assert (s.request.round, s.request.events, s.request.history) == (1, [], [])


@pytest.mark.parametrize(("counter_hours", "counter_rate", "new_amount"), [
    ("3.00", None, "4.50"),  # up: escrow tops the hold up by 1.50
    ("1.00", "1.20", "1.20"),  # down: escrow gives 1.80 back
])  # fmt: skip
def test_escrow_adjusted_accepts_the_new_terms(
    counter_hours: str, counter_rate: str | None, new_amount: str
) -> None:
    s = scene(S.AWAITING_RESPONSE)
    rate = None if counter_rate is None else d(counter_rate)
    s.request.counter(s.provider, d(counter_hours), rate, "", s.time)
    s.request.accept_offer(s.requester, s.time)
    s.forget()
    event_id = uuid4()
    assert reactions.escrow_adjusted(s.request, s.time, event_id)

    r = s.request
    expected_rate = RATE if rate is None else rate
    assert r.status is S.ACCEPTED
    assert (r.hours, r.rate, r.amount) == (d(counter_hours), expected_rate, d(new_amount))
    assert (r.offer, r.offer_accepted) == (None, False)
    assert (r.deadline_kind, r.deadline_at) == (None, None)
    event = only_event(r)
    assert isinstance(event, ev.RequestAccepted)
    assert (event.status, event.hours, event.rate, event.amount) == (
        S.ACCEPTED, d(counter_hours), expected_rate, d(new_amount),
    )  # fmt: skip
    assert r.history == [
        entry(s, S.NEGOTIATING, S.ACCEPTED, "OFFER_ESCROWED", Actor.ESCROW, None,
              event_id=event_id)
    ]  # fmt: skip
    # the work is then paid on the new terms
    r.report_start(s.provider, s.time)
    r.confirm_start(s.requester, s.time)
    r.report_completion(s.provider, d(counter_hours), s.time)
    assert r.actual_amount == d(new_amount)


def test_escrow_adjust_failed_stays_negotiating_with_the_reason() -> None:
    s = scene(S.NEGOTIATING)
    s.request.accept_offer(s.requester, s.time)
    s.forget()
    s.later(30)
    event_id = uuid4()
    reason = HoldFailureReason.INSUFFICIENT_BALANCE
    assert reactions.escrow_adjust_failed(s.request, reason, "needs 1.50 more", s.time, event_id)

    r = s.request
    assert r.status is S.NEGOTIATING
    assert r.reason == "INSUFFICIENT_BALANCE: needs 1.50 more"
    assert not r.offer_accepted
    assert r.offer is not None and r.offer.by is Party.PROVIDER  # still on the table
    assert (r.hours, r.amount, r.round) == (HOURS, AMOUNT, 1)
    assert r.deadline_kind is DeadlineKind.NEGOTIATION
    assert r.deadline_at == NOW + timedelta(hours=30) + H24  # fresh
    event = only_event(r)
    assert isinstance(event, ev.RequestOfferAcceptanceFailed)
    assert (event.status, event.reason, event.detail) == (
        S.NEGOTIATING, reason, "needs 1.50 more",
    )  # fmt: skip
    assert r.history == [
        entry(s, S.NEGOTIATING, S.NEGOTIATING, "OFFER_TOP_UP_FAILED", Actor.ESCROW, None,
              event_id=event_id, detail="INSUFFICIENT_BALANCE: needs 1.50 more")
    ]  # fmt: skip
    # the requester may try again (which clears the reason) or counter
    r.accept_offer(s.requester, s.time)
    assert r.offer_accepted and r.reason is None
