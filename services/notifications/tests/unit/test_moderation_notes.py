"""Who hears of moderation: admins of a new report, the reporter of the decision, the member
behind the subject only of an action taken (and never who reported them)."""

from uuid import UUID, uuid4

import pytest

from hourbank_notifications.domain.recipients import recipients
from hourbank_shared.contracts.enums import (
    OfferingStatus,
    ReportAction,
    ReportReason,
    ReportStatus,
    ReportSubject,
)
from hourbank_shared.contracts.offerings import OfferingWithdrawn
from hourbank_shared.contracts.reports import ReportFiled, ReportResolved

REPORTER, PROVIDER, ADMIN = uuid4(), uuid4(), uuid4()
OFFERING, REPORT = uuid4(), uuid4()
ABOUT = {
    "report_id": REPORT, "reporter_id": REPORTER, "subject_type": ReportSubject.OFFERING,
    "subject_id": OFFERING, "subject_member_id": PROVIDER, "reason": ReportReason.FRAUD,
}  # fmt: skip


def filed() -> ReportFiled:
    return ReportFiled(**ABOUT, status=ReportStatus.OPEN, text="wants cash")


def resolved(action: ReportAction) -> ReportResolved:
    return ReportResolved(
        **ABOUT, status=ReportStatus.RESOLVED, action=action, admin_id=ADMIN, note="Checked."
    )


def test_every_admin_hears_of_a_new_report_but_not_the_one_it_concerns() -> None:
    other_admin = uuid4()

    notes = recipients(filed(), [ADMIN, other_admin, PROVIDER])

    assert [(n.member_id, n.type, n.related_id) for n in notes] == [
        (ADMIN, "REPORT_NEW", REPORT), (other_admin, "REPORT_NEW", REPORT),
    ]  # fmt: skip
    assert notes[0].message == "FRAUD report on an offering: wants cash"


@pytest.mark.parametrize(
    ("action", "outcome"),
    [
        (ReportAction.DISMISS, "no action was taken"),
        (ReportAction.WITHDRAW_OFFERING, "the offering is withdrawn"),
        (ReportAction.SUSPEND_MEMBER, "the member is suspended"),
    ],
)
def test_the_reporter_hears_the_outcome_and_only_the_reporter(
    action: ReportAction, outcome: str
) -> None:
    [note] = recipients(resolved(action))

    assert (note.member_id, note.type, note.related_id) == (REPORTER, "REPORT_RESOLVED", REPORT)
    assert note.message == f"An admin reviewed your FRAUD report: {outcome}. Checked."


def withdrawn(by: UUID, by_admin: bool, reason: str | None) -> OfferingWithdrawn:
    return OfferingWithdrawn(
        offering_id=OFFERING, provider_id=PROVIDER, status=OfferingStatus.WITHDRAWN, sequence=1,
        title="Garden help", withdrawn_by=by, by_admin=by_admin, reason=reason,
    )  # fmt: skip


def test_the_provider_hears_of_an_offering_an_admin_withdrew() -> None:
    [note] = recipients(withdrawn(ADMIN, True, "After a report (FRAUD): wants cash"))
    assert (note.member_id, note.type, note.related_id) == (
        PROVIDER, "OFFERING_WITHDRAWN", OFFERING,
    )  # fmt: skip
    assert note.message == "An admin withdrew “Garden help”. After a report (FRAUD): wants cash"
    assert REPORTER.hex not in note.message


def test_a_provider_who_withdrew_their_own_offering_is_not_told() -> None:
    assert recipients(withdrawn(PROVIDER, False, None)) == []
