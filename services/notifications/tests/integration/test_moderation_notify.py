"""Moderation notifications in the real PostgreSQL: the admins' directory decides who hears of a
new report, once per event."""

from uuid import UUID, uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as t
from hourbank_notifications.handlers import Context, notify
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import ReportAction, ReportReason, ReportStatus, ReportSubject
from hourbank_shared.contracts.reports import ReportFiled, ReportResolved
from hourbank_shared.envelope import Envelope

from ..events import registered

pytestmark = pytest.mark.integration


def deliver(ctx: Context, event: Event, envelope: Envelope | None = None) -> Envelope:
    envelope = envelope or Envelope.wrap(event, source="/hourbank/disputes")
    notify(ctx, envelope, envelope.payload(type(event)))
    return envelope


def told(sessions: sessionmaker[Session]) -> list[tuple[UUID, str]]:
    n = t.notifications.c
    with sessions() as session:
        return sorted((r.member_id, r.type) for r in session.execute(select(n.member_id, n.type)))


def test_admins_hear_of_a_report_once_and_the_reporter_of_its_outcome(
    ctx: Context, sessions: sessionmaker[Session]
) -> None:
    admins = sorted([uuid4(), uuid4()])
    for admin in admins:
        deliver(ctx, registered(admin, ("member", "admin")))
    reporter, reported = uuid4(), uuid4()
    deliver(ctx, registered(reporter))
    about = {
        "report_id": uuid4(), "reporter_id": reporter, "subject_type": ReportSubject.MEMBER,
        "subject_id": reported, "subject_member_id": reported, "reason": ReportReason.SPAM,
    }  # fmt: skip

    filed = deliver(ctx, ReportFiled(**about, status=ReportStatus.OPEN, text="ads"))
    deliver(ctx, ReportFiled(**about, status=ReportStatus.OPEN, text="ads"), filed)  # again
    decided = {"action": ReportAction.DISMISS, "admin_id": admins[0], "note": "ok"}
    deliver(ctx, ReportResolved(**about, status=ReportStatus.RESOLVED, **decided))

    assert told(sessions) == sorted(
        [(admins[0], "REPORT_NEW"), (admins[1], "REPORT_NEW"), (reporter, "REPORT_RESOLVED")]
    )
