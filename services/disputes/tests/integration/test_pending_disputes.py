"""A dispute on a request disputes has not seen yet (docs/consistency.md, #2): accepted PENDING
after the short wait, then decided when the request's first event arrives, as an opening on the
copy would have been. The first tests deliver the request's events through the real broker to
a running disputes consumer; the others feed the consumer's routes directly."""

import dataclasses
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from confluent_kafka import Producer
from sqlalchemy import select, text

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.consumers import TOPICS, disputes_consumer
from hourbank_disputes.domain.dispute import Caller
from hourbank_disputes.handlers import open_dispute
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import FixedClock
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts.enums import DisputeType
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import TopicSpec, base_config, ensure_topics
from hourbank_shared.testing.infra import Infra

from .story import LATER, SOURCE, TERMS, Story, published
from .test_disputes_api import ADMIN, Bank, auth, bank, events_of, problem

pytestmark = pytest.mark.integration
__all__ = ["bank"]  # the fixture this module uses

WAIT = 0.2
"""The API's wait for an unknown request, shortened: these requests never come in time."""


@pytest.fixture
def impatient(bank: Bank) -> Bank:
    app = bank.client.app
    app.state.context = dataclasses.replace(  # type: ignore[attr-defined]
        app.state.context,  # type: ignore[attr-defined]
        wait_for_request_seconds=WAIT,
    )
    return bank


class Broker:
    """Unique topics standing in for the contract's, a disputes consumer running on them."""

    def __init__(self, bank: Bank, bootstrap: str) -> None:
        suffix = uuid4().hex[:8]
        self.bank = bank
        self.topics = {topic: f"{topic}.{suffix}" for topic in TOPICS}
        ensure_topics(bootstrap, [TopicSpec(name, 3) for name in self.topics.values()])
        self.producer = Producer(base_config(bootstrap, "pending-disputes-test"))
        self.runner = disputes_consumer(
            bank.ctx, bootstrap, group=f"disputes-test-{suffix}", topics=list(self.topics.values())
        )

    def deliver(self, event: req.RequestEvent) -> Envelope:
        """Publish the event as the requests service would; return once disputes handled it."""
        envelope = Envelope.wrap(event, source=SOURCE)
        self.producer.produce(
            self.topics[event.TOPIC], key=event.key().encode(), value=envelope.to_json()
        )
        self.producer.flush(10)
        query = select(t.inbox.c.event_id).where(t.inbox.c.event_id == envelope.id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self.bank.sessions() as session:
                if session.execute(query).first():
                    return envelope
            time.sleep(0.05)
        raise TimeoutError(f"disputes did not handle {envelope.type}")


@pytest.fixture
def broker(impatient: Bank, infra: Infra) -> Iterator[Broker]:
    running = Broker(impatient, infra.bootstrap)
    stop = threading.Event()
    thread = threading.Thread(target=running.runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield running
    finally:
        stop.set()
        thread.join(30)


def pending(bank: Bank, story: Story, who: UUID) -> dict[str, Any]:
    response = bank.open(who, story.request_id)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert (body["status"], body["against"]) == ("PENDING", None)
    return body


def clock_of(bank: Bank) -> FixedClock:
    clock = bank.ctx.clock
    assert isinstance(clock, FixedClock)
    return clock


def view(bank: Bank, dispute_id: str, who: UUID, *, admin: bool = False) -> dict[str, Any]:
    response = bank.client.get(f"/v1/disputes/{dispute_id}", headers=auth(who, admin=admin))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# through the broker --------------------------------------------------------------------------


def test_a_dispute_on_a_request_not_seen_yet_opens_once_its_events_arrive(broker: Broker) -> None:
    bank, story = broker.bank, broker.bank.story()

    started = time.monotonic()
    body = pending(bank, story, story.requester_id)
    assert time.monotonic() - started >= WAIT  # waited for the request first
    assert body == {
        **body,
        "request_id": str(story.request_id),
        "requester_id": None,
        "provider_id": None,
        "raised_by": str(story.requester_id),
        "request_confirmed": False,
        "refusal_reason": None,
        "timeline": [{"step": "OPENED", "at": "2026-03-01T12:00:00Z",
                      "by": str(story.requester_id)}],
    }  # fmt: skip
    dispute_id = body["id"]
    evidence = bank.client.post(
        f"/v1/disputes/{dispute_id}/evidence",
        json={"kind": "text", "content": "nobody came"},
        headers=auth(story.requester_id),
    )
    assert evidence.status_code == 201, evidence.text
    assert published(bank.sessions) == []  # nothing while pending

    broker.deliver(story.submitted())
    broker.deliver(story.event(req.RequestAccepted, S.ACCEPTED, **TERMS))

    seen = view(bank, dispute_id, story.provider_id)  # a party now: visible to them too
    assert (seen["status"], seen["against"], seen["requester_id"], seen["provider_id"]) == (
        "OPEN", str(story.provider_id), str(story.requester_id), str(story.provider_id),
    )  # fmt: skip
    [opened] = events_of(bank, "opened")
    assert opened == {
        "dispute_id": dispute_id,
        "request_id": str(story.request_id),
        "requester_id": str(story.requester_id),
        "provider_id": str(story.provider_id),
        "status": "OPEN",
        "raised_by": str(story.requester_id),
        "against": str(story.provider_id),
        "dispute_type": "NO_SHOW",
        "description": "never came",
    }
    types = [e.type for e in published(bank.sessions)]
    assert types == ["hourbank.dispute.opened.v1", "hourbank.dispute.evidence_added.v1"]
    [added] = events_of(bank, "evidence_added")
    assert (added["evidence_id"], added["added_by"]) == (
        evidence.json()["id"], str(story.requester_id),
    )  # fmt: skip

    # and the requests service confirms it as any other
    broker.deliver(story.event(req.RequestDisputed, S.DISPUTED, dispute_id=dispute_id,
                               previous_status=S.ACCEPTED))  # fmt: skip
    assert view(bank, dispute_id, story.requester_id)["request_confirmed"] is True


def test_a_stranger_s_pending_dispute_is_refused_once_the_request_arrives(broker: Broker) -> None:
    bank, story, stranger = broker.bank, broker.bank.story(), uuid4()
    dispute_id = pending(bank, story, stranger)["id"]

    broker.deliver(story.submitted())

    seen = view(bank, dispute_id, stranger)
    assert (seen["status"], seen["against"]) == ("REFUSED", None)
    assert "only the requester or the provider" in seen["refusal_reason"]
    assert seen["timeline"][-1] == {"step": "REFUSED", "at": "2026-03-01T12:00:00Z", "by": None}
    assert view(bank, dispute_id, ADMIN, admin=True)["status"] == "REFUSED"
    for party in (story.requester_id, story.provider_id):
        problem(bank.client.get(f"/v1/disputes/{dispute_id}", headers=auth(party)), 404)
        assert bank.list(party)["items"] == []
    assert published(bank.sessions) == []


# fed to the consumer's routes ----------------------------------------------------------------


def test_while_pending_it_is_its_raiser_s_and_the_admins_and_no_one_decides_it(
    impatient: Bank,
) -> None:
    bank, story = impatient, impatient.story()
    dispute_id = pending(bank, story, story.provider_id)["id"]

    assert [d["id"] for d in bank.list(story.provider_id)["items"]] == [dispute_id]
    queue = bank.list(ADMIN, admin=True, status="PENDING")["items"]
    assert [(d["id"], d["status"]) for d in queue] == [(dispute_id, "PENDING")]
    assert bank.list(ADMIN, admin=True, status="OPEN")["items"] == []
    for other in (story.requester_id, uuid4()):  # the other party is not known yet
        problem(bank.client.get(f"/v1/disputes/{dispute_id}", headers=auth(other)), 404)
    for action, body in (("assign", {}), ("resolve", {"resolution": "PAY_PROVIDER",
                                                      "note": "x"})):  # fmt: skip
        refused = problem(bank.admin(dispute_id, action, **body), 409)
        assert refused["current_status"] == "PENDING"
        assert "the dispute is PENDING, waiting for the request's first" in refused["detail"]
    assert view(bank, dispute_id, ADMIN, admin=True)["status"] == "PENDING"


def test_an_admin_dismisses_a_dispute_whose_request_never_came(impatient: Bank) -> None:
    bank, story = impatient, impatient.story()
    dispute_id = pending(bank, story, story.requester_id)["id"]

    response = bank.admin(dispute_id, "dismiss", note="no such request")

    assert response.status_code == 200, response.text
    dismissed = response.json()
    assert (dismissed["status"], dismissed["note"], dismissed["against"]) == (
        "DISMISSED", "no such request", None,
    )  # fmt: skip
    assert [s["step"] for s in dismissed["timeline"]] == ["OPENED", "ASSIGNED", "DISMISSED"]
    story.in_progress()  # the request arriving after all changes nothing now
    assert view(bank, dispute_id, story.requester_id)["status"] == "DISMISSED"
    assert published(bank.sessions) == []


def test_pending_disputes_are_decided_in_the_order_they_were_opened(impatient: Bank) -> None:
    bank, story = impatient, impatient.story()
    first = pending(bank, story, story.provider_id)["id"]
    clock_of(bank).advance(timedelta(seconds=1))
    second = pending(bank, story, story.requester_id)["id"]

    story.in_progress()

    assert view(bank, first, story.provider_id)["status"] == "OPEN"
    late = view(bank, second, story.requester_id)
    assert late["status"] == "REFUSED"
    assert f"already has an open dispute ({first})" in late["refusal_reason"]
    assert [e["dispute_id"] for e in events_of(bank, "opened")] == [first]


def test_a_pending_dispute_on_a_request_already_over_is_refused(impatient: Bank) -> None:
    bank, story = impatient, impatient.story()
    dispute_id = pending(bank, story, story.requester_id)["id"]

    # the request's events dead-lettered until it was over; the first one back is its end
    story.feed(req.RequestCancelled, S.CANCELLED, sequence=5, cancelled_by=story.requester_id,
               by_party="REQUESTER", previous_status=S.ACCEPTED, amount="3.00")  # fmt: skip

    refused = view(bank, dispute_id, story.requester_id)
    assert (refused["status"], refused["against"]) == ("REFUSED", None)
    assert "it is CANCELLED" in refused["refusal_reason"]
    assert published(bank.sessions) == []


def test_a_dispute_opened_as_the_request_arrives_is_never_left_pending(impatient: Bank) -> None:
    """The opening holds the request's lock from its last look until it commits; the consumer
    takes it before it decides the pending disputes: so it waits, then sees this one."""
    bank, story = impatient, impatient.story()
    with SqlUnitOfWork(bank.sessions) as uow, ThreadPoolExecutor(max_workers=1) as pool:
        quick = dataclasses.replace(bank.ctx, wait_for_request_seconds=0.0)
        dispute = open_dispute(quick, uow, Caller(story.requester_id), story.request_id,
                               DisputeType.OTHER, "racing")  # fmt: skip
        arriving = pool.submit(story.feed, req.RequestSubmitted, S.INITIATED,
                               offering_title="Garden", message="", submitted_at=LATER,
                               **TERMS)  # fmt: skip
        time.sleep(0.5)
        assert not arriving.done()  # the consumer waits for the lock
        uow.commit()
        arriving.result(timeout=30)

    assert view(bank, str(dispute.id), story.requester_id)["status"] == "OPEN"
    assert [e["dispute_id"] for e in events_of(bank, "opened")] == [str(dispute.id)]


def test_an_admin_waiting_for_the_consumer_that_opens_a_dispute_sees_its_request(
    impatient: Bank,
) -> None:
    """Found by the short fault campaign (an assign answered 500): the admin's locking read of
    the dispute waited for the consumer opening it, then saw the dispute OPEN but its request's
    projection as the statement first saw it, none. The consumer is held at its outbox insert
    here, after it locked and opened the dispute and added the projection, until the admin's
    assign waits for the dispute's lock."""
    bank, story = impatient, impatient.story()
    dispute_id = pending(bank, story, story.requester_id)["id"]
    with bank.sessions() as holder, ThreadPoolExecutor(max_workers=2) as pool:
        holder.execute(text("LOCK TABLE outbox IN SHARE MODE"))  # no insert until released
        arriving = pool.submit(story.feed, req.RequestSubmitted, S.INITIATED,
                               offering_title="Garden", message="", submitted_at=LATER,
                               **TERMS)  # fmt: skip
        waiting_for(bank, "the consumer at the outbox", 1)
        assigning = pool.submit(bank.admin, dispute_id, "assign")
        waiting_for(bank, "the assign at the dispute's lock", 2)
        holder.rollback()
        arriving.result(timeout=30)
        assigned = assigning.result(timeout=30)

    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["status"], assigned.json()["against"]) == (
        "UNDER_REVIEW", str(story.provider_id),
    )  # fmt: skip


def waiting_for(bank: Bank, what: str, count: int) -> None:
    """Until `count` sessions of this database wait for a lock (asked in a new transaction each
    time: a transaction sees one snapshot of pg_stat_activity)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    while True:
        with bank.sessions() as session:
            if session.execute(query).scalar_one() >= count:
                return
        assert time.monotonic() < deadline, f"{what}: not waiting after 10 s"
        time.sleep(0.02)
