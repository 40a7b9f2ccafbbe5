"""Sends due email deliveries, one row per transaction, retrying with backoff.

A row is locked (`SKIP LOCKED`) while its email is sent, so several senders never send the
same one. A crash between the SMTP answer and the commit sends that email again: email is
at least once.
"""

import logging
import smtplib
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.email.templates import Email, render
from hourbank_shared.clock import Clock
from hourbank_shared.consumer import RetryPolicy

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


def send_one(
    sessions: sessionmaker[Session], mailer: Mailer, clock: Clock, backoff: RetryPolicy
) -> bool:
    """Send the next due email; False when none is due."""
    d, n = t.email_deliveries.c, t.notifications.c
    now = clock.now()
    due = (
        select(d.notification_id, d.to, d.attempts, n.title, n.message)
        .join(t.notifications, n.id == d.notification_id)
        .where(d.status == "PENDING", d.next_attempt_at <= now)
        .order_by(d.next_attempt_at)
        .limit(1)
        .with_for_update(of=t.email_deliveries, skip_locked=True)
    )
    with sessions.begin() as session:
        row = session.execute(due).first()
        if row is None:
            return False
        attempts = row.attempts + 1
        where = t.email_deliveries.update().where(d.notification_id == row.notification_id)
        try:
            mailer.send(render(row.to, row.title, row.message))
        except (smtplib.SMTPException, OSError) as exc:
            failed = attempts >= backoff.max_attempts
            log.warning("email %s attempt %s failed: %s", row.notification_id, attempts, exc)
            session.execute(
                where.values(
                    attempts=attempts,
                    last_error=str(exc)[:2000],
                    status="FAILED" if failed else "PENDING",
                    next_attempt_at=now + timedelta(seconds=backoff.backoff(attempts)),
                )
            )
        else:
            session.execute(
                where.values(attempts=attempts, status="SENT", sent_at=clock.now(), last_error=None)
            )
    return True


def send_due(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    clock: Clock,
    backoff: RetryPolicy,
    limit: int = 50,
) -> int:
    """Send up to `limit` due emails; returns how many were attempted."""
    sent = 0
    while sent < limit and send_one(sessions, mailer, clock, backoff):
        sent += 1
    return sent
