"""What the requests API asks of the database per call, against the real PostgreSQL: the
statements a party's action and a poll run (each costs the API process CPU), and that an
action's answer, built from the row its write returned, is what a read then finds."""

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import event

from hourbank_requests.domain.service_request import Caller
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import BusinessTime
from hourbank_shared.db import ConcurrentUpdate

from .test_requests_api import Bank, auth, bank, sessions  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


class Statements:
    """Counts the statements the engine executes (pool pings and commits are not statements)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1


@pytest.fixture
def statements(bank: Bank) -> Iterator[Statements]:  # noqa: F811
    engine = bank.sessions.kw["bind"]
    counted = Statements()
    event.listen(engine, "before_cursor_execute", counted)
    yield counted
    event.remove(engine, "before_cursor_execute", counted)


def test_an_action_runs_six_statements_and_a_poll_one(
    bank: Bank,  # noqa: F811
    statements: Statements,
) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))
    keyed = auth(provider) | {"Idempotency-Key": "accept-once"}

    statements.count = 0
    accepted = bank.client.post(f"/v1/requests/{request_id}/accept", headers=keyed)
    # the key's claim, the request locked, updated (returning the row the answer shows), its
    # history, the event in the outbox waking the relay in the same statement, the answer kept
    # for the key
    assert (accepted.status_code, statements.count) == (200, 6)

    statements.count = 0
    polled = bank.get(requester, f"/{request_id}")
    assert (polled.status_code, statements.count) == (200, 1)


def test_every_answer_of_an_action_is_the_request_as_a_read_finds_it(
    bank: Bank,  # noqa: F811
) -> None:
    requester, provider = bank.member(), bank.member()
    offering_id = bank.offering(provider)
    submitted = bank.submit(requester, offering_id)
    negotiated = submitted.json()["id"]
    assert submitted.json() == bank.get(requester, f"/{negotiated}").json()
    bank.escrow_holds(negotiated)
    straight = bank.awaiting(bank.member(), offering_id)
    requester_of_straight = UUID(bank.get(provider, f"/{straight}").json()["requester_id"])

    def answered_as_read(who: UUID, request_id: str, action: str, **body: Any) -> None:
        answer = bank.acted(who, request_id, action, **body)
        assert answer == bank.get(who, f"/{request_id}").json(), action

    answered_as_read(provider, negotiated, "counter", hours="3.00", message="three?")
    answered_as_read(requester, negotiated, "counter", hours="2.50", rate="1.00")
    answered_as_read(provider, negotiated, "accept-offer")
    for who, action in [(provider, "accept"), (provider, "start")]:
        answered_as_read(who, straight, action)
    answered_as_read(requester_of_straight, straight, "confirm-start")
    answered_as_read(provider, straight, "complete", actual_hours="1.50")
    answered_as_read(requester_of_straight, straight, "confirm-completion")
    bank.escrow_releases(straight)
    answered_as_read(provider, straight, "rating", score=5, comment="thanks")


def test_an_action_on_a_request_changed_since_it_was_loaded_fails(
    bank: Bank,  # noqa: F811
) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = UUID(bank.awaiting(requester, bank.offering(provider)))
    time = BusinessTime(bank.clock)

    with SqlUnitOfWork(bank.sessions) as stale:
        # its lock released at once, as a write that skipped the lock would have read it
        stale_copy = stale.requests.lock(request_id)
        stale.session.commit()
        assert stale_copy is not None
        loaded = stale_copy.version
        bank.acted(provider, str(request_id), "accept")

        stale_copy.decline(Caller(provider), time)
        with pytest.raises(ConcurrentUpdate, match=f"requests row changed since version {loaded}"):
            stale.requests.save(stale_copy, loaded)
    assert bank.get(provider, f"/{request_id}").json()["status"] == "ACCEPTED"
