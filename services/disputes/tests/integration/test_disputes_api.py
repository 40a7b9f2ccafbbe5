"""The disputes API against the real PostgreSQL, with development tokens; the requests
service's events are fed to the consumer's routes as Kafka would deliver them."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.api import create_app
from hourbank_disputes.consumers import routes
from hourbank_disputes.domain.dispute import Caller
from hourbank_disputes.handlers import Context, open_dispute
from hourbank_disputes.settings import DisputesSettings
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import FixedClock
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts.enums import DisputeType
from hourbank_shared.contracts.enums import RequestStatus as S

from .story import LATER, TERMS, Story, published

pytestmark = pytest.mark.integration

SECRET = "x" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PROBLEM = "application/problem+json"
ADMIN = uuid4()


@dataclass
class Bank:
    client: TestClient
    sessions: sessionmaker[Session]
    ctx: Context

    def story(self) -> Story:
        return Story(self.ctx)

    def open(self, who: UUID, request_id: UUID, **headers: str) -> Response:
        body = {"request_id": str(request_id), "type": "NO_SHOW", "description": "never came"}
        response: Response = self.client.post(
            "/v1/disputes", json=body, headers=auth(who) | headers
        )
        return response

    def opened(self, story: Story, who: UUID | None = None) -> str:
        response = self.open(who or story.requester_id, story.request_id)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def admin(self, dispute_id: str, action: str, **body: Any) -> Response:
        path = f"/v1/disputes/{dispute_id}/{action}"
        response: Response = self.client.post(
            path, json=body or None, headers=auth(ADMIN, admin=True)
        )
        return response

    def list(self, who: UUID, *, admin: bool = False, **params: Any) -> dict[str, Any]:
        response = self.client.get("/v1/disputes", params=params, headers=auth(who, admin=admin))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def bank(migrated_url: str, sessions: sessionmaker[Session]) -> Iterator[Bank]:
    settings = DisputesSettings(database_url=migrated_url, jwt_secret=SECRET)
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, sessions, clock)) as client:
        yield Bank(client, sessions, Context(uow=lambda: SqlUnitOfWork(sessions), clock=clock))


def auth(member_id: UUID, *, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member_id, SECRET, admin=admin)}"}


def problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


def events_of(bank: Bank, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in published(bank.sessions) if e.type == f"hourbank.dispute.{kind}.v1"]


# the projection --------------------------------------------------------------------------


def test_request_events_build_the_projection_once_each(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    again = story.feed(req.RequestPaid, S.PAID, provider_amount="3.00", requester_refund="0.00")
    redelivered = req.RequestPaid.model_validate(again.data)
    routes(bank.ctx)[again.type](again, redelivered)  # the inbox skips it

    with bank.sessions() as session:
        rows = session.execute(select(t.request_projection)).all()
        claims = session.execute(select(t.inbox)).all()
    assert [(r.status, str(r.hours), str(r.rate), str(r.amount)) for r in rows] == [
        ("PAID", "2.00", "1.50", "3.00")
    ]
    assert (rows[0].requester_id, rows[0].provider_id) == (story.requester_id, story.provider_id)
    # submitted, accepted, paid: awaiting response, start reported and started change nothing
    # disputes decides on, so the consumer skips them (consumers.PROJECTED)
    assert len(claims) == 3


def test_an_older_event_replayed_or_reordered_changes_nothing(bank: Bank) -> None:
    story = bank.story()
    story.completed()  # sequences 1 to 7, of which it handles 1 (submitted), 3 and 7
    accepted = story.feed(req.RequestAccepted, S.ACCEPTED, sequence=3, **TERMS)  # replayed
    story.feed(req.RequestStartReported, S.PENDING_START_CONFIRMATION, deadline=LATER,
               sequence=4)  # fmt: skip
    story.feed(req.RequestSubmitted, S.INITIATED, offering_title="Garden", message="",
               submitted_at=LATER, sequence=None, hours="9.00", rate="1.00",
               amount="9.00")  # fmt: skip  # from before sequences existed

    with bank.sessions() as session:
        row = session.execute(select(t.request_projection)).one()
        claims = session.execute(select(t.inbox)).all()
    assert (row.status, row.sequence, str(row.amount)) == ("COMPLETED", 7, "3.00")
    assert len(claims) == 5  # each was handled (claimed), none of the last two applied
    assert accepted.id in {c.event_id for c in claims}


def test_events_apply_in_sequence_order_even_if_they_arrive_out_of_it(bank: Bank) -> None:
    story = bank.story()
    story.feed(req.RequestCompleted, S.COMPLETED, auto_confirmed=False, actual_hours="2.00",
               actual_amount="3.00", sequence=7, **TERMS)  # fmt: skip
    story.feed(req.RequestAccepted, S.ACCEPTED, sequence=3, hours="6.00", rate="1.50",
               amount="9.00")  # fmt: skip
    with bank.sessions() as session:
        row = session.execute(select(t.request_projection)).one()
    # the newer status stands, and the older event's hours do not overwrite newer terms either
    assert (row.status, row.sequence, str(row.amount)) == ("COMPLETED", 7, "3.00")


# opening ---------------------------------------------------------------------------------


BEHIND: list[tuple[type[req.RequestEvent], S, dict[str, Any]]] = [
    (req.RequestAwaitingResponse, S.AWAITING_RESPONSE, {"amount": "3.00", "deadline": LATER}),
    (req.RequestCounterOffered, S.NEGOTIATING, {
        "round": 1, "offered_by": "PROVIDER", "hours": "1.00", "rate": "1.00", "amount": "1.00",
        "message": "", "deadline": LATER}),
    (req.RequestDisputed, S.DISPUTED, {"dispute_id": uuid4(), "previous_status": S.ACCEPTED}),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "seen", "fields"), BEHIND)
def test_a_projection_behind_the_request_does_not_refuse(
    bank: Bank, kind: type[req.RequestEvent], seen: S, fields: dict[str, Any]
) -> None:
    """The member saw ACCEPTED; the projection still says otherwise. The dispute opens and the
    requests service, which owns the request, confirms it."""
    story = bank.story()
    story.feed(req.RequestSubmitted, S.INITIATED, offering_title="Garden", message="",
               submitted_at=LATER, **TERMS)  # fmt: skip
    story.feed(kind, seen, **fields)
    dispute_id = bank.opened(story)
    story.disputed(dispute_id)
    with bank.sessions() as session:
        row = session.execute(select(t.disputes)).one()
    assert (row.status, row.request_confirmed) == ("OPEN", True)


def test_a_request_the_projection_has_not_seen_yet_is_waited_for(bank: Bank) -> None:
    story = bank.story()
    feeding = threading.Timer(
        0.5,
        lambda: story.feed(req.RequestAccepted, S.ACCEPTED, **TERMS),
    )
    feeding.start()
    started = time.monotonic()
    dispute_id = bank.opened(story)  # 201 once the event arrived
    feeding.join()
    assert dispute_id
    assert 0.4 < time.monotonic() - started < 2.0


def test_a_party_opens_a_dispute_on_a_request_in_progress(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()

    response = bank.open(story.provider_id, story.request_id, **{"Idempotency-Key": "k1"})
    replay = bank.open(story.provider_id, story.request_id, **{"Idempotency-Key": "k1"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        **body,
        "request_id": str(story.request_id),
        "requester_id": str(story.requester_id),
        "provider_id": str(story.provider_id),
        "type": "NO_SHOW",
        "status": "OPEN",
        "raised_by": str(story.provider_id),
        "against": str(story.requester_id),
        "request_confirmed": False,
        "evidence": [],
        "timeline": [{"step": "OPENED", "at": "2026-03-01T12:00:00Z",
                      "by": str(story.provider_id)}],
    }  # fmt: skip
    assert (replay.status_code, replay.json()) == (201, body)
    [opened] = events_of(bank, "opened")
    assert opened == {
        "dispute_id": body["id"],
        "request_id": str(story.request_id),
        "requester_id": str(story.requester_id),
        "provider_id": str(story.provider_id),
        "status": "OPEN",
        "raised_by": str(story.provider_id),
        "against": str(story.requester_id),
        "dispute_type": "NO_SHOW",
        "description": "never came",
    }


@pytest.mark.parametrize("paid", [False, True])
def test_a_completed_or_paid_request_cannot_be_disputed(bank: Bank, paid: bool) -> None:
    story = bank.story()
    story.completed()
    if paid:
        story.feed(req.RequestPaid, S.PAID, provider_amount="3.00", requester_refund="0.00")

    body = problem(bank.open(story.requester_id, story.request_id), 409)

    assert body["current_status"] == ("PAID" if paid else "COMPLETED")
    assert published(bank.sessions) == []


def test_a_stranger_to_a_known_request_is_refused(bank: Bank) -> None:
    """The parties never change, so the projection's are final (an unknown request is not:
    test_pending_disputes)."""
    story = bank.story()
    story.in_progress()

    problem(bank.open(uuid4(), story.request_id), 403)
    assert published(bank.sessions) == []


def test_one_open_dispute_per_request(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    bank.opened(story)

    body = problem(bank.open(story.provider_id, story.request_id), 409)
    assert "already has an open dispute" in body["detail"]


def test_two_racing_disputes_one_wins(bank: Bank) -> None:
    stories = [bank.story() for _ in range(5)]
    for story in stories:
        story.in_progress()

    def race(story: Story) -> list[int]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = pool.map(lambda who: bank.open(who, story.request_id).status_code,
                               (story.requester_id, story.provider_id))  # fmt: skip
            return sorted(answers)

    assert [race(story) for story in stories] == [[201, 409]] * 5
    assert len(events_of(bank, "opened")) == 5


def test_the_unique_index_stops_a_dispute_racing_past_the_check(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    with SqlUnitOfWork(bank.sessions) as uow, ThreadPoolExecutor(max_workers=1) as pool:
        first = Caller(story.requester_id)
        open_dispute(bank.ctx, uow, first, story.request_id, DisputeType.OTHER, "first")
        second = pool.submit(bank.open, story.provider_id, story.request_id)
        time.sleep(0.5)  # the second passed the check (nothing committed) and waits on the index
        uow.commit()
        response = second.result(timeout=30)

    body = problem(response, 409)
    assert (body["detail"], body["rule"]) == (
        "the request already has an open dispute; one open dispute per request",
        "disputes_one_open",
    )


# confirmation, resolution, dismissal, refusal --------------------------------------------


def test_no_resolution_until_the_request_is_confirmed_disputed(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)

    body = problem(bank.admin(dispute_id, "resolve", resolution="PAY_PROVIDER", note="ok"), 409)

    assert "waiting for the requests service" in body["detail"]
    assert events_of(bank, "resolved") == []


@pytest.mark.parametrize(
    ("resolution", "provider_hours", "paid", "refund", "rate", "amount"),
    [
        ("PAY_PROVIDER", None, "3.00", "0.00", "1.50", "3.00"),
        ("REFUND_REQUESTER", None, "0.00", "3.00", "1.50", "3.00"),
        # 0.75 h × 1.50 = 1.125 → half-even 1.12 (not 1.13)
        ("SPLIT", "0.75", "1.12", "1.88", "1.50", "3.00"),
        ("SPLIT", "0.35", "0.46", "0.54", "1.30", "1.00"),
    ],
)
def test_each_resolution_after_confirmation(
    bank: Bank,
    resolution: str,
    provider_hours: str | None,
    paid: str,
    refund: str,
    rate: str,
    amount: str,
) -> None:
    story = bank.story()
    hours = "2.00" if amount == "3.00" else "0.77"  # 0.77 × 1.30 = 1.001 → 1.00
    story.in_progress(hours, rate, amount)
    dispute_id = bank.opened(story)
    story.disputed(dispute_id)
    assert bank.admin(dispute_id, "assign").json()["status"] == "UNDER_REVIEW"

    body = {"resolution": resolution, "note": "decided"}
    if provider_hours:
        body["provider_hours"] = provider_hours
    response = bank.admin(dispute_id, "resolve", **body)

    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["status"], view["provider_amount"], view["requester_refund"]) == (
        "RESOLVED", paid, refund,
    )  # fmt: skip
    assert [step["step"] for step in view["timeline"]] == ["OPENED", "ASSIGNED", "RESOLVED"]
    [resolved] = events_of(bank, "resolved")
    assert resolved == {
        "dispute_id": dispute_id,
        "request_id": str(story.request_id),
        "requester_id": str(story.requester_id),
        "provider_id": str(story.provider_id),
        "status": "RESOLVED",
        "admin_id": str(ADMIN),
        "resolution": resolution,
        "provider_hours": provider_hours,
        "provider_amount": paid,
        "requester_refund": refund,
        "note": "decided",
    }
    problem(bank.admin(dispute_id, "resolve", **body), 409)


def test_a_split_beyond_the_hold_is_invalid(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)
    story.disputed(dispute_id)

    response = bank.admin(dispute_id, "resolve", resolution="SPLIT", provider_hours="2.01",
                          note="x")  # fmt: skip
    problem(response, 422)


def test_a_dismissal_after_confirmation(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)
    problem(bank.admin(dispute_id, "dismiss", note="no case"), 409)
    story.disputed(dispute_id)

    response = bank.admin(dispute_id, "dismiss", note="no case")

    assert response.json()["status"] == "DISMISSED"
    [dismissed] = events_of(bank, "dismissed")
    assert (dismissed["note"], dismissed["admin_id"]) == ("no case", str(ADMIN))


def test_a_refusal_by_the_requests_service_closes_the_dispute(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)

    story.dispute_refused(dispute_id, "the request is COMPLETED")

    view = bank.client.get(f"/v1/disputes/{dispute_id}", headers=auth(story.requester_id)).json()
    assert (view["status"], view["refusal_reason"]) == ("REFUSED", "the request is COMPLETED")
    assert view["timeline"][-1] == {"step": "REFUSED", "at": "2026-03-01T12:00:00Z", "by": None}
    [refused] = events_of(bank, "refused")
    assert (refused["status"], refused["reason"]) == ("REFUSED", "the request is COMPLETED")
    problem(bank.admin(dispute_id, "resolve", resolution="PAY_PROVIDER", note="x"), 409)
    again = problem(bank.open(story.requester_id, story.request_id), 409)
    assert again["current_status"] == "COMPLETED"  # the refusal told the projection


# evidence, visibility, the queue -----------------------------------------------------------


def test_parties_add_evidence_strangers_see_nothing(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)
    path = f"/v1/disputes/{dispute_id}"
    link = {"kind": "link", "content": "https://example.org/photo.jpg"}

    added = bank.client.post(f"{path}/evidence", json=link, headers=auth(story.provider_id))
    stranger = bank.client.post(f"{path}/evidence", json=link, headers=auth(uuid4()))

    assert added.status_code == 201, added.text
    problem(stranger, 404)
    problem(bank.client.get(path, headers=auth(uuid4())), 404)
    view = bank.client.get(path, headers=auth(story.requester_id)).json()
    assert [(e["added_by"], e["kind"], e["content"]) for e in view["evidence"]] == [
        (str(story.provider_id), "link", "https://example.org/photo.jpg")
    ]
    [event] = events_of(bank, "evidence_added")
    assert (event["evidence_id"], event["kind"]) == (added.json()["id"], "link")
    bad = bank.client.post(f"{path}/evidence", json={"kind": "link", "content": "ftp://x"},
                           headers=auth(story.provider_id))  # fmt: skip
    problem(bad, 422)


def test_members_get_403_on_admin_routes(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)
    for action, body in (("assign", None), ("resolve", {"resolution": "PAY_PROVIDER",
                         "note": "x"}), ("dismiss", {"note": "x"})):  # fmt: skip
        response = bank.client.post(
            f"/v1/disputes/{dispute_id}/{action}", json=body, headers=auth(story.requester_id)
        )
        problem(response, 403)


def test_members_list_their_own_admins_all_by_status(bank: Bank) -> None:
    member = uuid4()
    mine, theirs = Story(bank.ctx, requester_id=member), Story(bank.ctx, provider_id=member)
    other = bank.story()
    ids = []
    for story in (mine, theirs, other):
        story.in_progress()
        bank.ctx.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        ids.append(bank.opened(story))
    bank.admin(ids[1], "assign")

    as_member = bank.list(member)
    assert [d["id"] for d in as_member["items"]] == [ids[1], ids[0]]
    assert bank.list(member, status="OPEN")["items"][0]["id"] == ids[0]
    first = bank.list(ADMIN, admin=True, limit=2)
    rest = bank.list(ADMIN, admin=True, limit=2, cursor=first["next_cursor"])
    assert [d["id"] for d in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    reviewed = bank.list(ADMIN, admin=True, status=["UNDER_REVIEW", "RESOLVED"])
    assert [d["id"] for d in reviewed["items"]] == [ids[1]]
    assert bank.list(uuid4())["items"] == []
