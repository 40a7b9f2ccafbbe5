from uuid import UUID, uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.handlers import Context, notify
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import TransactionType
from hourbank_shared.contracts.notifications import NotificationCreated
from hourbank_shared.envelope import Envelope

from ..events import Story, balance_changed, contact, registered, registered_v1

pytestmark = pytest.mark.integration


def deliver(ctx: Context, event: Event, envelope: Envelope | None = None) -> Envelope:
    envelope = envelope or Envelope.wrap(event, source="/hourbank/test")
    notify(ctx, envelope, envelope.payload(type(event)))
    return envelope


def rows(sessions: sessionmaker[Session]) -> list[tuple[UUID, str]]:
    n = t.notifications.c
    with sessions() as session:
        return [(r.member_id, r.type) for r in session.execute(select(n.member_id, n.type))]


def sent_to(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(t.email_deliveries.c.to)))


def outbox(sessions: sessionmaker[Session]) -> list[NotificationCreated]:
    with sessions() as session:
        payloads = session.scalars(select(t.outbox.c.payload).order_by(t.outbox.c.id))
        return [Envelope.from_json(p).payload(NotificationCreated) for p in payloads]


def test_the_same_event_twice_creates_one_notification(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    story = Story()
    envelope = deliver(ctx, story.awaiting_response())
    deliver(ctx, story.awaiting_response(), envelope)

    assert rows(sessions) == [(story.provider, "REQUEST_RECEIVED")]
    (created,) = outbox(sessions)
    assert created.member_id == story.provider
    assert created.related_id == story.request_id
    assert created.channels == ["in_app"]


def test_an_event_that_concerns_no_one_costs_no_transaction(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    story = Story()
    deliver(ctx, story.disputed())  # the parties hear of it from the disputes topic
    deliver(ctx, balance_changed(story.requester, TransactionType.ESCROW_HOLD, "-2.00"))
    with sessions() as session:
        assert session.execute(select(t.inbox)).all() == []
    assert rows(sessions) == []
    assert outbox(sessions) == []

    deliver(ctx, story.awaiting_response())  # one that does: claimed, noted
    with sessions() as session:
        assert len(session.execute(select(t.inbox)).all()) == 1
    assert rows(sessions) == [(story.provider, "REQUEST_RECEIVED")]


def test_every_registered_admin_hears_of_a_new_dispute(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    admins = [uuid4(), uuid4()]
    for admin in admins:
        deliver(ctx, registered(admin, ("member", "admin")))
    deliver(ctx, registered(uuid4()))
    story = Story()

    deliver(ctx, story.dispute_opened())

    told = rows(sessions)
    assert sorted(m for m, kind in told if kind == "DISPUTE_NEW") == sorted(admins)
    assert {m for m, kind in told if kind == "DISPUTE_OPENED"} == {story.requester, story.provider}


def test_a_member_with_an_email_gets_a_delivery_unless_turned_off(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    story = Story()
    deliver(ctx, contact(story.requester, "ada@example.org"))
    deliver(ctx, contact(story.provider, "bob@example.org"))
    with sessions.begin() as session:
        session.execute(
            t.preferences.insert().values(
                member_id=story.provider, type="REQUEST_PAID", channel="email", enabled=False
            )
        )

    deliver(ctx, story.paid())

    assert sent_to(sessions) == ["ada@example.org"]
    channels = {c.member_id: c.channels for c in outbox(sessions)}
    assert channels == {story.requester: ["in_app", "email"], story.provider: ["in_app"]}


def test_an_address_comes_only_from_the_private_contacts_topic(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    story = Story()
    deliver(ctx, registered_v1(story.provider, email="old@example.org"))  # published before
    deliver(ctx, registered(story.provider))
    deliver(ctx, story.awaiting_response())
    assert sent_to(sessions) == []

    deliver(ctx, contact(story.provider, "bob@example.org", sequence=1))
    deliver(ctx, contact(story.provider, "stale@example.org", sequence=0))  # a late replay
    deliver(ctx, story.accepted())  # tells the requester, who has no address
    deliver(ctx, story.paid())

    assert sent_to(sessions) == ["bob@example.org"]
    with sessions() as session:
        assert len(session.execute(select(t.members)).all()) == 1, "v1 and v2: one member"


def test_a_member_who_removes_their_address_gets_no_more_email(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    story = Story()
    deliver(ctx, contact(story.provider, "bob@example.org"))
    deliver(ctx, contact(story.provider, None, sequence=1))

    deliver(ctx, story.awaiting_response())

    assert sent_to(sessions) == []


def test_the_full_request_lifecycle_and_a_dispute_tell_each_party_once(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    admin = uuid4()
    deliver(ctx, registered(admin, ("member", "admin")))
    s = Story()
    for event in (
        s.awaiting_response(), s.accepted(), s.start_reported(), s.started(),
        s.dispute_opened(), s.disputed(), s.evidence_added(), s.dispute_assigned(admin),
        s.dispute_dismissed(admin), s.completion_reported(), s.completed(auto=True), s.paid(),
    ):  # fmt: skip
        deliver(ctx, event)

    told = rows(sessions)
    assert len(told) == len(set(told))
    assert sorted(kind for m, kind in told if m == s.requester) == sorted([
        "REQUEST_ACCEPTED", "REQUEST_START_REPORTED", "REQUEST_STARTED", "DISPUTE_OPENED",
        "DISPUTE_UNDER_REVIEW", "DISPUTE_DISMISSED", "REQUEST_COMPLETION_REPORTED",
        "REQUEST_COMPLETION_AUTO_CONFIRMED", "REQUEST_PAID",
    ])  # fmt: skip
    assert sorted(kind for m, kind in told if m == s.provider) == sorted([
        "REQUEST_RECEIVED", "REQUEST_STARTED", "DISPUTE_OPENED", "DISPUTE_EVIDENCE_ADDED",
        "DISPUTE_UNDER_REVIEW", "DISPUTE_DISMISSED", "REQUEST_COMPLETION_AUTO_CONFIRMED",
        "REQUEST_PAID",
    ])  # fmt: skip
    assert [kind for m, kind in told if m == admin] == ["DISPUTE_NEW"]
    assert len(outbox(sessions)) == len(told)
