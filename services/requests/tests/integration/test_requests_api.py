"""The requests API against the real PostgreSQL, with development tokens.

Escrow's answers are played the way the requests consumer applies them: the domain reaction
on the locked request, in one unit of work.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_requests.api import create_app
from hourbank_requests.domain import reactions
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_requests.handlers import act_on_request
from hourbank_requests.settings import RequestsSettings
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import BusinessTime, FixedClock
from hourbank_shared.db import make_engine, session_factory

pytestmark = pytest.mark.integration

SECRET = "x" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PROBLEM = "application/problem+json"
GARDENING = {"title": "Garden help", "category": "garden", "rate": "1.50"}


@dataclass
class Bank:
    client: TestClient
    sessions: sessionmaker[Session]
    clock: FixedClock

    def member(self, name: str = "M") -> UUID:
        member_id = uuid4()
        response = self.client.post(
            "/v1/members", json={"display_name": name}, headers=auth(member_id)
        )
        assert response.status_code == 201, response.text
        return member_id

    def offering(self, provider: UUID, **terms: Any) -> str:
        response = self.client.post(
            "/v1/offerings", json={**GARDENING, **terms}, headers=auth(provider)
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def submit(
        self, requester: UUID, offering_id: str, hours: Any = "2.00", **headers: str
    ) -> Response:
        body = {"offering_id": offering_id, "hours": hours, "message": "please"}
        return self.client.post("/v1/requests", json=body, headers=auth(requester) | headers)

    def submitted(self, requester: UUID, offering_id: str, hours: Any = "2.00") -> str:
        response = self.submit(requester, offering_id, hours)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def act(self, who: UUID, request_id: str, action: str, **body: Any) -> Response:
        path = f"/v1/requests/{request_id}/{action}"
        return self.client.post(path, json=body or None, headers=auth(who))

    def acted(self, who: UUID, request_id: str, action: str, **body: Any) -> dict[str, Any]:
        response = self.act(who, request_id, action, **body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def get(self, who: UUID, path: str = "", **params: Any) -> Response:
        return self.client.get(f"/v1/requests{path}", params=params, headers=auth(who))

    def escrow(self, request_id: str, reaction: Callable[[ServiceRequest], bool]) -> None:
        """Escrow's event reaches the requests service: one reaction, one unit of work."""
        with SqlUnitOfWork(self.sessions) as uow:
            act_on_request(uow, UUID(request_id), reaction)
            uow.commit()

    def escrow_holds(self, request_id: str) -> None:
        time_ = BusinessTime(self.clock)
        self.escrow(request_id, lambda r: reactions.escrow_held(r, time_, uuid4()))

    def escrow_releases(self, request_id: str) -> None:
        time_ = BusinessTime(self.clock)
        self.escrow(
            request_id,
            lambda r: reactions.escrow_released(
                r, r.actual_amount or r.amount, r.amount - (r.actual_amount or r.amount), time_,
                uuid4(),
            ),
        )  # fmt: skip

    def awaiting(self, requester: UUID, offering_id: str, hours: Any = "2.00") -> str:
        """A request escrow has held: AWAITING_RESPONSE."""
        request_id = self.submitted(requester, offering_id, hours)
        self.escrow_holds(request_id)
        return request_id


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, pool_size=3)
    tables.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def bank(database_url: str, sessions: sessionmaker[Session]) -> Iterator[Bank]:
    settings = RequestsSettings(database_url=database_url, jwt_secret=SECRET)
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, sessions, clock)) as client:
        yield Bank(client, sessions, clock)


def auth(member_id: UUID, *, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member_id, SECRET, admin=admin)}"}


def problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


# submitting -------------------------------------------------------------------------------


def test_a_member_requests_an_offering(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    offering_id = bank.offering(provider)

    response = bank.submit(requester, offering_id, hours=2)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        **body,
        "requester_id": str(requester),
        "provider_id": str(provider),
        "offering_id": offering_id,
        "offering_title": "Garden help",
        "message": "please",
        "status": "INITIATED",
        "previous_status": None,
        "hours": "2.00",
        "rate": "1.50",
        "amount": "3.00",
        "round": 0,
        "offer": None,
        "offer_accepted": False,
        "deadline_at": "2026-03-01T12:05:00Z",  # escrow answers within 300 real seconds
        "deadline_kind": "ESCROW_ANSWER",
        "actual_hours": None,
        "actual_amount": None,
        "dispute_id": None,
        "reason": None,
    }
    assert bank.get(requester, f"/{body['id']}").json() == body
    assert bank.get(provider, f"/{body['id']}").json() == body


def test_the_same_idempotency_key_submits_once(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    offering_id = bank.offering(provider)

    first = bank.submit(requester, offering_id, **{"Idempotency-Key": "k1"})
    again = bank.submit(requester, offering_id, **{"Idempotency-Key": "k1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [item["id"] for item in bank.get(requester).json()["items"]] == [first.json()["id"]]


def test_a_second_open_request_for_the_same_offering_is_409(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    offering_id = bank.offering(provider)
    first = bank.submitted(requester, offering_id)

    refused = problem(bank.submit(requester, offering_id), 409)

    assert refused["open_request_id"] == first
    assert "open request" in refused["detail"]


def test_a_racing_second_open_request_is_409(bank: Bank) -> None:
    """The other submission passed the check first and commits while this one inserts: the
    unique index, not the check, refuses this one."""
    requester, provider = bank.member(), bank.member()
    offering_id = bank.offering(provider)
    with bank.sessions() as racing, ThreadPoolExecutor(1) as pool:
        racing.execute(
            insert(tables.requests).values(
                id=uuid4(), requester_id=requester, provider_id=provider,
                offering_id=UUID(offering_id), offering_title="Garden help", status="INITIATED",
                message="", response_window_hours=24, hours=1, rate=1, amount=1,
            )
        )  # fmt: skip
        submitting = pool.submit(bank.submit, requester, offering_id)
        _wait_until_blocked(bank.sessions)
        racing.commit()
        response = submitting.result(timeout=30)

    refused = problem(response, 409)
    assert refused["rule"] == "requests_one_open"
    assert "one open request per requester and offering" in refused["detail"]


def _wait_until_blocked(sessions: sessionmaker[Session]) -> None:
    waiting = (
        select(func.count())
        .select_from(text("pg_stat_activity"))
        .where(text("wait_event_type = 'Lock' AND datname = current_database()"))
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sessions() as session:
            if session.execute(waiting).scalar():
                return
        time.sleep(0.02)
    raise AssertionError("the submission never waited for the racing one")


@pytest.mark.parametrize("hours", ["0", "-1", "1.234", "NaN", 1001, "abc", "Infinity", True])
def test_bad_hours_are_invalid_input(bank: Bank, hours: Any) -> None:
    requester, provider = bank.member(), bank.member()

    refused = problem(bank.submit(requester, bank.offering(provider), hours), 422)

    assert refused["detail"].startswith("hours")
    assert bank.get(requester).json()["items"] == []


@pytest.mark.parametrize("hours", ["0.01", 1000, "999.99", 0.5])
def test_hours_within_range_are_accepted(bank: Bank, hours: Any) -> None:
    requester, provider = bank.member(), bank.member()

    response = bank.submit(requester, bank.offering(provider, rate="1.00"), hours)

    assert response.status_code == 201, response.text
    assert Decimal(response.json()["hours"]) == Decimal(str(hours))


def test_submitting_needs_a_member_and_an_offering_of_someone_else(bank: Bank) -> None:
    provider = bank.member()
    offering_id = bank.offering(provider)

    assert problem(bank.submit(uuid4(), offering_id), 403)["detail"].startswith("register")
    assert problem(bank.submit(provider, offering_id), 422)["detail"].endswith("own offering")
    problem(bank.submit(bank.member(), str(uuid4())), 404)


# who sees and acts ------------------------------------------------------------------------


def test_without_a_token_it_is_401(bank: Bank) -> None:
    request_id = uuid4()

    for response in (
        bank.client.get("/v1/requests"),
        bank.client.get(f"/v1/requests/{request_id}"),
        bank.client.get(f"/v1/requests/{request_id}/history"),
        bank.client.post("/v1/requests", json={"offering_id": str(uuid4()), "hours": 1}),
        bank.client.post(f"/v1/requests/{request_id}/accept"),
    ):
        problem(response, 401)


def test_a_stranger_sees_no_request_and_an_admin_reads_but_does_not_act(bank: Bank) -> None:
    requester, provider, stranger = bank.member(), bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))
    admin = uuid4()

    for response in (
        bank.get(stranger, f"/{request_id}"),
        bank.get(stranger, f"/{request_id}/history"),
        bank.act(stranger, request_id, "accept"),
        bank.act(stranger, request_id, "cancel"),
        bank.act(stranger, request_id, "counter", hours="1"),
        bank.act(requester, str(uuid4()), "cancel"),
        bank.get(requester, f"/{uuid4()}"),
    ):
        problem(response, 404)
    assert bank.get(stranger).json()["items"] == []
    as_admin = bank.client.get(f"/v1/requests/{request_id}", headers=auth(admin, admin=True))
    assert as_admin.json()["status"] == "AWAITING_RESPONSE"
    refused = bank.client.post(f"/v1/requests/{request_id}/accept", headers=auth(admin, admin=True))
    assert "only the provider" in problem(refused, 403)["detail"]


# the whole way --------------------------------------------------------------------------


def test_a_request_goes_from_submission_to_completion(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))

    too_early = problem(bank.act(provider, request_id, "accept"), 409)
    assert too_early["current_status"] == "INITIATED"
    assert "INITIATED" in too_early["detail"]

    bank.clock.advance(timedelta(minutes=1))
    bank.escrow_holds(request_id)
    awaiting = bank.get(requester, f"/{request_id}").json()
    assert (awaiting["status"], awaiting["deadline_kind"]) == ("AWAITING_RESPONSE", "RESPONSE")
    assert awaiting["deadline_at"] == "2026-03-02T12:01:00Z"

    steps = [
        (provider, "accept", {}, "ACCEPTED"),
        (provider, "start", {}, "PENDING_START_CONFIRMATION"),
        (requester, "confirm-start", {}, "IN_PROGRESS"),
        (provider, "complete", {"actual_hours": "1.50"}, "PENDING_COMPLETION_CONFIRMATION"),
        (requester, "confirm-completion", {}, "COMPLETED"),
    ]
    for who, action, body, status in steps:
        bank.clock.advance(timedelta(minutes=1))
        if action == "confirm-start":
            refused = problem(bank.act(provider, request_id, action), 403)
            assert "only the requester" in refused["detail"]
        assert bank.acted(who, request_id, action, **body)["status"] == status

    done = bank.get(provider, f"/{request_id}").json()
    assert (done["hours"], done["actual_hours"], done["actual_amount"]) == ("2.00", "1.50", "2.25")
    assert (done["deadline_at"], done["deadline_kind"]) == (None, None)
    history = bank.get(requester, f"/{request_id}/history").json()
    r, p = str(requester), str(provider)
    assert [
        (h["from_status"], h["to_status"], h["trigger"], h["actor"], h["actor_id"], h["at"])
        for h in history
    ] == [
        (None, "INITIATED", "SUBMITTED", "requester", r, "2026-03-01T12:00:00Z"),
        ("INITIATED", "AWAITING_RESPONSE", "ESCROWED", "escrow", None, "2026-03-01T12:01:00Z"),
        ("AWAITING_RESPONSE", "ACCEPTED", "ACCEPTED", "provider", p, "2026-03-01T12:02:00Z"),
        ("ACCEPTED", "PENDING_START_CONFIRMATION", "START_REPORTED", "provider", p,
         "2026-03-01T12:03:00Z"),
        ("PENDING_START_CONFIRMATION", "IN_PROGRESS", "START_CONFIRMED", "requester", r,
         "2026-03-01T12:04:00Z"),
        ("IN_PROGRESS", "PENDING_COMPLETION_CONFIRMATION", "COMPLETION_REPORTED", "provider", p,
         "2026-03-01T12:05:00Z"),
        ("PENDING_COMPLETION_CONFIRMATION", "COMPLETED", "COMPLETION_CONFIRMED", "requester", r,
         "2026-03-01T12:06:00Z"),
    ]  # fmt: skip
    assert history[1]["event_id"] is not None
    assert history[5]["detail"] == "1.50 h worked"
    assert bank.get(provider, f"/{request_id}/history").json() == history


def test_actual_hours_are_at_most_those_agreed(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))
    for who, action in [(provider, "accept"), (provider, "start"), (requester, "confirm-start")]:
        bank.acted(who, request_id, action)

    assert (
        "at most"
        in problem(bank.act(provider, request_id, "complete", actual_hours=3), 422)["detail"]
    )
    problem(bank.act(provider, request_id, "complete", actual_hours="1.001"), 422)
    assert bank.get(provider, f"/{request_id}").json()["status"] == "IN_PROGRESS"


def test_an_action_repeated_with_its_key_is_answered_again_not_refused(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))
    path, headers = f"/v1/requests/{request_id}/accept", auth(provider) | {"Idempotency-Key": "a"}

    first = bank.client.post(path, headers=headers)
    again = bank.client.post(path, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    problem(bank.act(provider, request_id, "accept"), 409)


def test_the_requester_cancels_and_the_provider_declines(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    cancelled = bank.awaiting(requester, bank.offering(provider))
    declined = bank.awaiting(requester, bank.offering(provider))

    problem(bank.act(provider, cancelled, "cancel"), 409)
    assert bank.acted(requester, cancelled, "cancel")["status"] == "CANCELLED"
    problem(bank.act(requester, declined, "decline"), 403)
    assert bank.acted(provider, declined, "decline")["status"] == "REJECTED"
    assert problem(bank.act(provider, declined, "accept"), 409)["current_status"] == "REJECTED"


# negotiating ------------------------------------------------------------------------------


def test_the_parties_counter_and_one_accepts_the_offer(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))

    problem(bank.act(requester, request_id, "counter", hours="3"), 403)
    first = bank.acted(provider, request_id, "counter", hours="3", message="it is a big garden")
    assert (first["status"], first["round"], first["deadline_kind"]) == (
        "NEGOTIATING",
        1,
        "NEGOTIATION",
    )
    assert first["offer"] == {
        "by": "PROVIDER",
        "hours": "3.00",
        "rate": "1.50",
        "amount": "4.50",
        "message": "it is a big garden",
    }
    assert first["amount"] == "3.00"
    problem(bank.act(provider, request_id, "counter", hours="4"), 409)

    second = bank.acted(requester, request_id, "counter", hours="2.5", rate=1, message="meet me")
    assert (second["round"], second["offer"]["by"], second["offer"]["amount"]) == (
        2,
        "REQUESTER",
        "2.50",
    )
    problem(bank.act(requester, request_id, "accept-offer"), 409)

    accepted = bank.acted(provider, request_id, "accept-offer")
    assert (accepted["status"], accepted["offer_accepted"], accepted["deadline_at"]) == (
        "NEGOTIATING",
        True,
        None,
    )
    triggers = [h["trigger"] for h in bank.get(requester, f"/{request_id}/history").json()]
    assert triggers[-3:] == ["COUNTER_OFFER_1", "COUNTER_OFFER_2", "OFFER_ACCEPTED"]


@pytest.mark.parametrize(
    "body", [{"hours": "0"}, {"hours": "1.234"}, {"hours": "2", "rate": "0"}, {"rate": "1"}, {}]
)
def test_a_bad_counter_offer_is_invalid_input(bank: Bank, body: dict[str, Any]) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))

    problem(bank.act(provider, request_id, "counter", **body), 422)


# listing ----------------------------------------------------------------------------------


def test_a_member_lists_their_requests_by_status_and_role(bank: Bank) -> None:
    ada, bob = bank.member(), bank.member()
    ada_asks = bank.submitted(ada, bank.offering(bob))
    bob_asks = bank.awaiting(bob, bank.offering(ada))
    ada_cancelled = bank.awaiting(ada, bank.offering(bob))
    bank.acted(ada, ada_cancelled, "cancel")

    def ids(who: UUID, **params: Any) -> list[str]:
        response = bank.get(who, **params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(ada) == [ada_cancelled, bob_asks, ada_asks]
    assert ids(ada, role="requester") == [ada_cancelled, ada_asks]
    assert ids(ada, role="provider") == [bob_asks]
    assert ids(bob, role="provider") == [ada_cancelled, ada_asks]
    assert ids(ada, status="INITIATED") == [ada_asks]
    assert ids(ada, status=["INITIATED", "CANCELLED"]) == [ada_cancelled, ada_asks]
    assert ids(bob, status="AWAITING_RESPONSE", role="requester") == [bob_asks]
    assert ids(bob, status="AWAITING_RESPONSE", role="provider") == []


def test_the_list_pages_newest_first(bank: Bank) -> None:
    requester, provider = bank.member(), bank.member()
    made = [bank.submitted(requester, bank.offering(provider)) for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = bank.get(provider, **params).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break

    assert seen == made[::-1]


@pytest.mark.parametrize(
    "query", ["status=OPEN", "role=admin", "limit=0", "limit=201", "cursor=nonsense"]
)
def test_bad_list_parameters_are_invalid_input(bank: Bank, query: str) -> None:
    problem(bank.client.get(f"/v1/requests?{query}", headers=auth(uuid4())), 422)


# rating -----------------------------------------------------------------------------------


def test_the_parties_rate_each_other_once_paid(bank: Bank) -> None:
    requester, provider, request_id = _completed(bank)

    early = problem(bank.act(requester, request_id, "rating", score=5), 409)
    assert early["current_status"] == "COMPLETED"

    bank.escrow_releases(request_id)
    rated = bank.acted(requester, request_id, "rating", score=4, comment="tidy work")
    assert rated["status"] == "PAID"
    bank.acted(provider, request_id, "rating", score=5)
    again = problem(bank.act(requester, request_id, "rating", score=5), 409)
    assert "already rated" in again["detail"]
    profile = bank.client.get(f"/v1/members/{provider}", headers=auth(requester)).json()
    assert (profile["rating_average"], profile["rating_count"]) == ("4.00", 1)


def test_a_rating_is_a_step_in_the_history(bank: Bank) -> None:
    requester, _, request_id = _completed(bank)
    bank.escrow_releases(request_id)

    bank.acted(requester, request_id, "rating", score=4)

    last = bank.get(requester, f"/{request_id}/history").json()[-1]
    assert (last["trigger"], last["actor"], last["detail"]) == ("RATED", "requester", "4/5")


def _completed(bank: Bank) -> tuple[UUID, UUID, str]:
    requester, provider = bank.member(), bank.member()
    request_id = bank.awaiting(requester, bank.offering(provider))
    for who, action, body in [
        (provider, "accept", {}),
        (provider, "start", {}),
        (requester, "confirm-start", {}),
        (provider, "complete", {"actual_hours": "2"}),
        (requester, "confirm-completion", {}),
    ]:
        bank.acted(who, request_id, action, **body)
    return requester, provider, request_id


@pytest.mark.parametrize(
    "body", [{"score": 0}, {"score": 6}, {"score": "5"}, {"score": 5, "comment": "c" * 1001}, {}]
)
def test_a_bad_rating_is_invalid_input(bank: Bank, body: dict[str, Any]) -> None:
    requester, provider = bank.member(), bank.member()
    request_id = bank.submitted(requester, bank.offering(provider))

    problem(bank.act(requester, request_id, "rating", **body), 422)


# no request can be stuck ---------------------------------------------------------------


@pytest.fixture
def live_bank(database_url: str, sessions: sessionmaker[Session]) -> Iterator[Bank]:
    """A bank whose clock starts at the database's time (the overdue check compares the
    row's last change, stamped by the database, with the clock)."""
    settings = RequestsSettings(database_url=database_url, jwt_secret=SECRET)
    clock = FixedClock(datetime.now(UTC))
    with TestClient(create_app(settings, sessions, clock)) as client:
        yield Bank(client, sessions, clock)


def overdue(bank: Bank, *request_ids: str) -> dict[str, str]:
    response = bank.client.get("/v1/requests/overdue", headers=auth(uuid4(), admin=True))
    assert response.status_code == 200, response.text
    return {
        o["request_id"]: o["waiting_for"] for o in response.json() if o["request_id"] in request_ids
    }


def test_the_requester_cancels_a_request_escrow_has_not_answered(bank: Bank) -> None:
    alice, bob = bank.member("Alice"), bank.member("Bob")
    request_id = bank.submitted(alice, bank.offering(bob))
    cancelled = bank.acted(alice, request_id, "cancel")
    assert (cancelled["status"], cancelled["deadline_at"]) == ("CANCELLED", None)
    assert bank.submit(alice, bank.offering(bob)).status_code == 201  # not blocked


def test_requests_waiting_past_what_their_status_allows_are_listed(live_bank: Bank) -> None:
    bank = live_bank
    alice, bob = bank.member("Alice"), bank.member("Bob")
    unanswered = bank.submitted(alice, bank.offering(bob))  # escrow never answers
    working = bank.awaiting(alice, bank.offering(bob))
    bank.acted(bob, working, "accept")
    bank.acted(bob, working, "start")
    bank.acted(alice, working, "confirm-start")  # IN_PROGRESS: the members' move, no limit
    completed = bank.awaiting(alice, bank.offering(bob), "1.00")
    for who, action, body in [
        (bob, "accept", {}), (bob, "start", {}), (alice, "confirm-start", {}),
        (bob, "complete", {"actual_hours": "1.00"}), (alice, "confirm-completion", {}),
    ]:  # fmt: skip
        bank.acted(who, completed, action, **body)  # escrow never releases
    ids = (unanswered, working, completed)
    assert overdue(bank, *ids) == {}

    bank.clock.advance(timedelta(seconds=300 + 61))  # the escrow-answer deadline + grace
    assert overdue(bank, *ids) == {
        unanswered: "the deadlines worker to fire its deadline",
        completed: "escrow to release the hold (check escrow's dead letters: "
        "hourbank-dlq list escrow)",
    }
    bank.clock.advance(timedelta(days=30))
    assert working not in overdue(bank, *ids)


def test_only_admins_list_overdue_requests(bank: Bank) -> None:
    response = bank.client.get("/v1/requests/overdue", headers=auth(uuid4()))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
