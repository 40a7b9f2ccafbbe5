"""No request can be stuck: a submission escrow dead-letters expires on its deadline (or the
requester cancels it), and the hold, the balances and a later replay of the dead letter all
stay consistent."""

from collections.abc import Iterator
from uuid import UUID

import pytest

from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.dlq import DeadLetter, dead_letters, replay
from hourbank_shared.testing.infra import Infra

from .harness import D, Saga, running_saga

ANSWER_SECONDS = 3.0


@pytest.fixture(scope="module")
def saga(infra: Infra) -> Iterator[Saga]:
    with running_saga(infra, time_scale=3600, escrow_answer_seconds=ANSWER_SECONDS) as running:
        yield running


def dead_letter_of(saga: Saga, request_id: UUID) -> DeadLetter | None:
    found = [
        letter
        for letter in dead_letters(saga.bootstrap, saga.group("escrow"))
        if letter.key == str(request_id)
    ]
    return found[-1] if found else None


def dead_lettered_submission(saga: Saga) -> tuple[UUID, UUID, UUID, DeadLetter]:
    """Alice's request for Bob's offering, whose submission escrow dead-letters."""
    alice, bob = saga.register("Alice"), saga.register("Bob")
    offering = saga.offering(bob)
    saga.failing_requesters.add(alice)
    request = saga.submit(alice, offering, "1.00")
    saga._until(lambda: dead_letter_of(saga, request) is not None, "the dead letter", 60)
    letter = dead_letter_of(saga, request)
    assert letter is not None
    assert letter.header("dlq.event_type") == "hourbank.request.submitted.v1"
    saga.failing_requesters.discard(alice)  # the bug is fixed from here on
    return alice, offering, request, letter


def test_a_dead_lettered_submission_expires_and_its_replay_holds_nothing(saga: Saga) -> None:
    alice, offering, request, letter = dead_lettered_submission(saga)
    assert saga.row(request)["status"] == S.INITIATED

    saga.wait_status(request, S.EXPIRED, timeout=ANSWER_SECONDS + 30)
    assert ("EXPIRED", "ESCROW_ANSWER_DEADLINE_PASSED", "system") in saga.history(request)
    # escrow had held nothing: the expiry leaves a tombstone that refuses a late hold
    saga._until(lambda: saga.hold(request) == (None, "ENDED_BEFORE_HOLD"), "the tombstone")
    assert saga.balance(alice) == (D("3.00"), D("3.00"), D("0.00"))
    assert saga.reconciled()

    # the one-open-request rule no longer blocks Alice from the offering
    again = saga.submit(alice, offering, "1.00")
    saga.wait_status(again, S.AWAITING_RESPONSE)

    # the operator replays the dead letter: escrow refuses the late hold, nothing moves
    replay(saga.bootstrap, saga.group("escrow"), [letter.position])
    event_id = letter.header("dlq.event_id")
    saga._until(lambda: saga.escrow_handled(event_id), "escrow to handle the replay", 60)
    assert saga.row(request)["status"] == S.EXPIRED
    saga.wait_balance(alice, ("3.00", "2.00", "1.00"))  # only the second request holds
    assert saga.reconciled()


def test_the_requester_cancels_a_submission_escrow_never_answered(saga: Saga) -> None:
    alice, _, request, letter = dead_lettered_submission(saga)
    saga.act(request, lambda r: r.cancel(Caller(alice), saga.time))
    assert saga.row(request)["status"] == S.CANCELLED
    saga._until(lambda: saga.hold(request) == (None, "ENDED_BEFORE_HOLD"), "the tombstone")

    replay(saga.bootstrap, saga.group("escrow"), [letter.position])
    event_id = letter.header("dlq.event_id")
    saga._until(lambda: saga.escrow_handled(event_id), "escrow to handle the replay", 60)
    assert saga.balance(alice) == (D("3.00"), D("3.00"), D("0.00"))
    assert saga.reconciled()


def test_replaying_an_old_dead_letter_does_not_roll_the_projection_back(saga: Saga) -> None:
    alice, bob = saga.register("Alice"), saga.register("Bob")
    request = saga.submit(alice, saga.offering(bob), "1.00")
    saga.wait_status(request, S.AWAITING_RESPONSE)
    by_alice, by_bob, t = Caller(alice), Caller(bob), saga.time
    saga.failing_acceptances.add(request)
    saga.act(request, lambda r: r.accept(by_bob, t))  # sequence 3, dead-lettered by disputes
    saga.act(request, lambda r: r.report_start(by_bob, t))
    saga.act(request, lambda r: r.confirm_start(by_alice, t))
    saga.act(request, lambda r: r.report_completion(by_bob, D("1.00"), t))
    saga.act(request, lambda r: r.confirm_completion(by_alice, t))  # sequence 7, then PAID: 8
    # the projection skips the start and completion reports (consumers.SKIPPED): it moves
    # from the submission (1) to COMPLETED (7) and PAID (8)
    saga._until(lambda: saga.projection_sequence(request) == 8, "the projection at PAID")
    saga.failing_acceptances.discard(request)
    letters = [
        letter
        for letter in dead_letters(saga.bootstrap, saga.group("disputes"))
        if letter.key == str(request)
    ]
    assert [letter.header("dlq.event_type") for letter in letters] == [
        "hourbank.request.accepted.v1"
    ]

    replay(saga.bootstrap, saga.group("disputes"), [letters[0].position])
    event_id = letters[0].header("dlq.event_id")
    saga._until(lambda: saga.disputes_handled(event_id), "disputes to handle the replay", 60)
    assert saga.disputes_projection(request) == S.PAID  # not back to ACCEPTED
    assert saga.projection_sequence(request) == 8
