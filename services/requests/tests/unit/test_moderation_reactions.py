"""What the requests service does with an admin's decision on a report: the owner's operation,
once, with the report named in the reason the member reads."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from hourbank_requests.domain import reactions
from hourbank_requests.domain.members import REASON_MAX, Member, MemberStatus
from hourbank_requests.domain.offerings import Offering, Terms
from hourbank_shared.contracts.enums import (
    OfferingStatus,
    ReportAction,
    ReportReason,
    ReportStatus,
    ReportSubject,
)
from hourbank_shared.contracts.offerings import OfferingWithdrawn
from hourbank_shared.contracts.reports import ReportResolved

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = uuid4()


def member() -> Member:
    registered = Member.register(uuid4(), "Ada", None, frozenset({"member"}), NOW)
    registered.events.clear()
    return registered


def decision(action: ReportAction, subject: UUID, note: str = "spam links") -> ReportResolved:
    return ReportResolved(
        report_id=uuid4(), reporter_id=uuid4(), subject_type=ReportSubject.MEMBER,
        subject_id=subject, subject_member_id=subject, reason=ReportReason.SPAM,
        status=ReportStatus.RESOLVED, action=action, admin_id=ADMIN, note=note,
    )  # fmt: skip


def test_the_reason_names_the_report_and_fits_a_suspension() -> None:
    short = decision(ReportAction.SUSPEND_MEMBER, uuid4())
    long = decision(ReportAction.SUSPEND_MEMBER, uuid4(), note="x" * 2000)

    assert reactions.moderation_reason(short) == "After a report (SPAM): spam links"
    assert len(reactions.moderation_reason(long)) == REASON_MAX


def test_an_offering_is_withdrawn_by_the_admin_once() -> None:
    offering = Offering.create(member(), Terms("Garden help", "", "garden"), NOW)
    offering.events.clear()
    event = decision(ReportAction.WITHDRAW_OFFERING, offering.id)

    assert reactions.withdraw_reported_offering(offering, event) is True
    assert reactions.withdraw_reported_offering(offering, event) is False

    assert offering.status is OfferingStatus.WITHDRAWN
    [withdrawn] = offering.events
    assert isinstance(withdrawn, OfferingWithdrawn)
    assert (withdrawn.withdrawn_by, withdrawn.by_admin) == (ADMIN, True)


def test_a_member_is_suspended_once_and_never_by_their_own_decision() -> None:
    reported = member()
    event = decision(ReportAction.SUSPEND_MEMBER, reported.id)

    assert reactions.suspend_reported_member(reported, event) is True
    assert reactions.suspend_reported_member(reported, event) is False
    assert reported.status is MemberStatus.SUSPENDED
    assert len(reported.events) == 1

    admin = member()
    on_themselves = ReportResolved.model_validate(
        decision(ReportAction.SUSPEND_MEMBER, admin.id).model_dump() | {"admin_id": admin.id}
    )
    assert reactions.suspend_reported_member(admin, on_themselves) is False
    assert admin.is_active
