from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.email.mailer import SmtpMailer
from hourbank_notifications.email.sender import send_due
from hourbank_notifications.handlers import Context, notify
from hourbank_notifications.settings import NotificationsSettings
from hourbank_notifications.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import FixedClock
from hourbank_shared.consumer import RetryPolicy
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope

from ..events import Story, contact, registered
from .conftest import Inbox, free_port

pytestmark = pytest.mark.integration
SECRET = "notifications-test-secret-0123456789abcdef"


def mailer(url: str, port: int) -> SmtpMailer:
    settings = NotificationsSettings(
        database_url=url, jwt_secret=SECRET, smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=2
    )
    return SmtpMailer(settings)


def deliver(ctx: Context, event: Event) -> None:
    envelope = Envelope.wrap(event, source="/hourbank/test")
    notify(ctx, envelope, envelope.payload(type(event)))


def deliveries(sessions: sessionmaker[Session]) -> list[Any]:
    d = t.email_deliveries.c
    with sessions() as session:
        return list(session.execute(select(d.to, d.status, d.attempts, d.last_error, d.sent_at)))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def mail_ctx(sessions: sessionmaker[Session], clock: FixedClock) -> Context:
    return Context(uow=lambda: SqlUnitOfWork(sessions), clock=clock, email_enabled=True)


def story_with_email(ctx: Context) -> Story:
    story = Story()
    deliver(ctx, registered(story.provider))
    deliver(ctx, contact(story.provider, "bob@example.org"))
    deliver(ctx, story.awaiting_response())
    return story


def test_an_email_arrives_with_plain_and_html_and_is_recorded(
    mail_ctx: Context,
    sessions: sessionmaker[Session],
    smtp: tuple[Inbox, int],
    migrated_url: str,
    clock: FixedClock,
) -> None:
    inbox, port = smtp
    story_with_email(mail_ctx)

    assert send_due(sessions, mailer(migrated_url, port), clock, RetryPolicy()) == 1
    assert send_due(sessions, mailer(migrated_url, port), clock, RetryPolicy()) == 0

    (message,) = inbox.messages
    assert message["To"] == "bob@example.org"
    assert message["Subject"] == "HourBank: New request"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    assert "2.00 h" in plain.get_content()
    assert "<h2>New request</h2>" in html.get_content()
    ((to, status, attempts, error, sent_at),) = deliveries(sessions)
    assert (to, status, attempts, error) == ("bob@example.org", "SENT", 1, None)
    assert sent_at == clock.now()


def test_a_failed_send_is_retried_after_a_backoff_then_given_up(
    mail_ctx: Context,
    sessions: sessionmaker[Session],
    smtp: tuple[Inbox, int],
    migrated_url: str,
    clock: FixedClock,
) -> None:
    inbox, port = smtp
    story_with_email(mail_ctx)
    backoff = RetryPolicy(max_attempts=3, first_backoff=10, max_backoff=60)
    down = mailer(migrated_url, free_port())  # nothing listens there

    assert send_due(sessions, down, clock, backoff) == 1
    (row,) = deliveries(sessions)
    assert (row.status, row.attempts) == ("PENDING", 1)
    assert row.last_error
    assert send_due(sessions, down, clock, backoff) == 0  # not due before the backoff
    clock.advance(timedelta(seconds=10))
    assert send_due(sessions, mailer(migrated_url, port), clock, backoff) == 1
    (row,) = deliveries(sessions)
    assert (row.status, row.attempts, row.last_error) == ("SENT", 2, None)
    assert len(inbox.messages) == 1

    story_with_email(mail_ctx)
    for _ in range(3):
        send_due(sessions, down, clock, backoff)
        clock.advance(timedelta(seconds=60))
    failed = [r for r in deliveries(sessions) if r.status == "FAILED"]
    assert [(r.attempts, r.sent_at) for r in failed] == [(3, None)]
    assert send_due(sessions, mailer(migrated_url, port), clock, backoff) == 0


def test_no_delivery_without_an_address(mail_ctx: Context, sessions: sessionmaker[Session]) -> None:
    story = Story()
    deliver(mail_ctx, story.awaiting_response())
    assert deliveries(sessions) == []
