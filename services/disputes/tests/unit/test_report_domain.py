"""A report's rules: who may file it, who sees it, what an admin may decide, what it records."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from hourbank_disputes.domain.dispute import Caller
from hourbank_disputes.domain.errors import Forbidden, InvalidInput, NotAllowedNow, NotVisible
from hourbank_disputes.domain.report import Report, Subject
from hourbank_shared.contracts import reports as report_events
from hourbank_shared.contracts.enums import ReportAction as A
from hourbank_shared.contracts.enums import ReportReason, ReportStatus
from hourbank_shared.contracts.enums import ReportSubject as On

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = uuid4()


def filed(subject: Subject, reporter: UUID | None = None) -> Report:
    report = Report.file(
        uuid4(), Caller(reporter or uuid4()), subject, ReportReason.SPAM, "spam", NOW
    )
    report.events.clear()
    return report


def offering(provider: UUID | None = None) -> Subject:
    return Subject(On.OFFERING, uuid4(), provider or uuid4())


def member() -> Subject:
    someone = uuid4()
    return Subject(On.MEMBER, someone, someone)


def test_filing_records_the_report_with_the_member_behind_it() -> None:
    subject = offering()
    reporter = uuid4()
    report = Report.file(uuid4(), Caller(reporter), subject, ReportReason.FRAUD, "fake", NOW)

    [event] = report.events
    assert isinstance(event, report_events.ReportFiled)
    assert event.model_dump() == {
        "report_id": report.id, "reporter_id": reporter, "subject_type": On.OFFERING,
        "subject_id": subject.id, "subject_member_id": subject.member_id,
        "reason": ReportReason.FRAUD, "status": ReportStatus.OPEN, "text": "fake",
    }  # fmt: skip
    assert (report.status, report.action, report.resolved_at) == (ReportStatus.OPEN, None, None)


def test_a_member_cannot_report_themselves() -> None:
    me = uuid4()
    with pytest.raises(InvalidInput, match="cannot report yourself"):
        Report.file(uuid4(), Caller(me), Subject(On.MEMBER, me, me), ReportReason.SPAM, "x", NOW)


def test_a_provider_cannot_report_their_own_offering() -> None:
    me = uuid4()
    with pytest.raises(InvalidInput, match="your own offering"):
        Report.file(uuid4(), Caller(me), offering(me), ReportReason.SPAM, "x", NOW)


def test_an_offering_whose_provider_is_unknown_yet_may_be_reported() -> None:
    report = Report.file(
        uuid4(), Caller(uuid4()), Subject(On.OFFERING, uuid4(), None), ReportReason.OTHER, "x",
        NOW,
    )  # fmt: skip
    assert report.subject.member_id is None


def test_only_the_reporter_and_admins_see_a_report() -> None:
    report = filed(member())
    report.visible_to(Caller(report.reporter_id))
    report.visible_to(Caller(uuid4(), is_admin=True))
    with pytest.raises(NotVisible):
        report.visible_to(Caller(report.subject.id))


@pytest.mark.parametrize(
    ("subject", "action"),
    [
        (offering(), A.DISMISS),
        (offering(), A.WITHDRAW_OFFERING),
        (offering(), A.SUSPEND_MEMBER),
        (member(), A.DISMISS),
        (member(), A.SUSPEND_MEMBER),
    ],
)
def test_an_admin_resolves_an_open_report(subject: Subject, action: A) -> None:
    report = filed(subject)
    report.resolve(ADMIN, action, "looked into it", LATER)

    assert (report.status, report.action, report.note) == (
        ReportStatus.RESOLVED, action, "looked into it",
    )  # fmt: skip
    assert (report.resolved_at, report.resolved_by, report.version) == (LATER, ADMIN, 1)
    [event] = report.events
    assert isinstance(event, report_events.ReportResolved)
    assert (event.action, event.admin_id, event.status, event.subject_member_id) == (
        action, ADMIN, ReportStatus.RESOLVED, subject.member_id,
    )  # fmt: skip


def test_a_member_report_has_no_offering_to_withdraw() -> None:
    report = filed(member())
    with pytest.raises(InvalidInput, match="WITHDRAW_OFFERING does not apply to a MEMBER"):
        report.resolve(ADMIN, A.WITHDRAW_OFFERING, "no", LATER)
    assert report.status is ReportStatus.OPEN and not report.events


def test_a_resolved_report_is_not_resolved_again() -> None:
    report = filed(member())
    report.resolve(ADMIN, A.DISMISS, "fine", LATER)
    with pytest.raises(NotAllowedNow, match="it is RESOLVED") as refused:
        report.resolve(ADMIN, A.SUSPEND_MEMBER, "changed my mind", LATER)
    assert refused.value.extensions == {"current_status": "RESOLVED"}
    assert report.action is A.DISMISS


def test_no_admin_decides_on_a_report_they_filed_or_that_concerns_them() -> None:
    by_admin = filed(member(), reporter=ADMIN)
    on_admin = filed(Subject(On.MEMBER, ADMIN, ADMIN))
    on_admins_offering = filed(offering(ADMIN))
    for report in (by_admin, on_admin, on_admins_offering):
        with pytest.raises(Forbidden, match="another admin must"):
            report.resolve(ADMIN, A.DISMISS, "mine", LATER)


def test_suspending_the_provider_of_an_offering_not_seen_yet_waits() -> None:
    report = filed(Subject(On.OFFERING, uuid4(), None))
    with pytest.raises(NotAllowedNow, match="provider is not known"):
        report.resolve(ADMIN, A.SUSPEND_MEMBER, "bad", LATER)
    report.resolve(ADMIN, A.WITHDRAW_OFFERING, "bad", LATER)  # the requests service knows it
    assert report.action is A.WITHDRAW_OFFERING
