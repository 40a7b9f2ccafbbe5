from uuid import UUID, uuid4

import pytest

from hourbank_notifications.domain.notes import Note
from hourbank_notifications.domain.recipients import MAPPINGS, recipients
from hourbank_shared.contracts import offerings
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import OfferingStatus, Party, ReportAction, TransactionType

from ..events import (
    Story,
    balance_changed,
    reactivated,
    registered,
    suspended,
)
from . import test_moderation_notes as moderation

S = Story()
R, P = S.requester, S.provider
ADMIN = uuid4()
OFFERING = uuid4()


def offering_approved(provider: UUID) -> offerings.OfferingApproved:
    return offerings.OfferingApproved(
        offering_id=OFFERING, provider_id=provider, status=OfferingStatus.APPROVED, sequence=1,
        title="Garden help", note="Welcome aboard.", by_admin_id=ADMIN,
    )  # fmt: skip


def offering_rejected(provider: UUID) -> offerings.OfferingRejected:
    return offerings.OfferingRejected(
        offering_id=OFFERING, provider_id=provider, status=OfferingStatus.REJECTED, sequence=1,
        title="Garden help", reason="not a service", by_admin_id=ADMIN,
    )  # fmt: skip


def told(notes: list[Note]) -> list[tuple[UUID, str]]:
    return [(n.member_id, n.type) for n in notes]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (S.awaiting_response(), [(P, "REQUEST_RECEIVED")]),
        (S.rejected(), [(R, "REQUEST_REJECTED")]),
        (S.accepted(), [(R, "REQUEST_ACCEPTED")]),
        (S.declined(Party.PROVIDER), [(R, "REQUEST_DECLINED")]),
        (S.declined(Party.REQUESTER), [(P, "REQUEST_DECLINED")]),
        (S.counter_offered(Party.PROVIDER), [(R, "REQUEST_COUNTER_OFFERED")]),
        (S.counter_offered(Party.REQUESTER), [(P, "REQUEST_COUNTER_OFFERED")]),
        (S.offer_acceptance_failed(), [(R, "REQUEST_OFFER_NOT_ACCEPTED")]),
        (S.expired(), [(R, "REQUEST_EXPIRED")]),
        (S.cancelled(), [(R, "REQUEST_CANCELLED"), (P, "REQUEST_CANCELLED")]),
        (S.start_reported(), [(R, "REQUEST_START_REPORTED")]),
        (S.started(), [(R, "REQUEST_STARTED"), (P, "REQUEST_STARTED")]),
        (S.started(auto=True),
         [(R, "REQUEST_START_AUTO_CONFIRMED"), (P, "REQUEST_START_AUTO_CONFIRMED")]),
        (S.completion_reported(), [(R, "REQUEST_COMPLETION_REPORTED")]),
        (S.completed(), [(R, "REQUEST_COMPLETED"), (P, "REQUEST_COMPLETED")]),
        (S.completed(auto=True),
         [(R, "REQUEST_COMPLETION_AUTO_CONFIRMED"), (P, "REQUEST_COMPLETION_AUTO_CONFIRMED")]),
        (S.paid(), [(R, "REQUEST_PAID"), (P, "REQUEST_PAID")]),
        (S.rated(), [(P, "REQUEST_RATED")]),
        (S.dispute_opened(),
         [(R, "DISPUTE_OPENED"), (P, "DISPUTE_OPENED"), (ADMIN, "DISPUTE_NEW")]),
        (S.evidence_added(), [(P, "DISPUTE_EVIDENCE_ADDED")]),
        (S.dispute_assigned(ADMIN), [(R, "DISPUTE_UNDER_REVIEW"), (P, "DISPUTE_UNDER_REVIEW")]),
        (S.dispute_resolved(ADMIN), [(R, "DISPUTE_RESOLVED"), (P, "DISPUTE_RESOLVED")]),
        (S.dispute_dismissed(ADMIN), [(R, "DISPUTE_DISMISSED"), (P, "DISPUTE_DISMISSED")]),
        (S.dispute_refused(), [(R, "DISPUTE_REFUSED"), (P, "DISPUTE_REFUSED")]),
        (balance_changed(R, TransactionType.WELCOME_BONUS), [(R, "WELCOME_BONUS")]),
        (balance_changed(R, TransactionType.ADMIN_ADJUSTMENT, "-1.00", "correction"),
         [(R, "BALANCE_ADJUSTED")]),
        (suspended(R), [(R, "MEMBER_SUSPENDED")]),
        (reactivated(R), [(R, "MEMBER_REACTIVATED")]),
        (offering_approved(P), [(P, "OFFERING_APPROVED")]),
        (offering_rejected(P), [(P, "OFFERING_REJECTED")]),
        (moderation.filed(), [(ADMIN, "REPORT_NEW")]),
        (moderation.resolved(ReportAction.DISMISS), [(moderation.REPORTER, "REPORT_RESOLVED")]),
        (moderation.withdrawn(ADMIN, True, "spam"),
         [(moderation.PROVIDER, "OFFERING_WITHDRAWN")]),
    ],
)  # fmt: skip
def test_each_event_tells_the_right_members(event: Event, expected: list[tuple[UUID, str]]) -> None:
    assert told(recipients(event, [ADMIN])) == expected


def test_every_mapped_event_type_has_a_case_above() -> None:
    # keeps this file honest: a new mapping needs its own expectation
    assert len(MAPPINGS) == 28


def test_a_review_tells_the_provider_about_the_offering_with_the_note_or_reason() -> None:
    approved, rejected = offering_approved(P), offering_rejected(P)

    (approval,) = recipients(approved)
    (rejection,) = recipients(rejected)

    assert (approval.related_id, rejection.related_id) == (OFFERING, OFFERING)
    assert "“Garden help” is approved" in approval.message
    assert approval.message.endswith("Welcome aboard.")
    assert "Reason: not a service" in rejection.message


def test_request_notes_are_about_the_request_and_dispute_notes_about_the_dispute() -> None:
    assert {n.related_id for n in recipients(S.paid())} == {S.request_id}
    assert {n.related_id for n in recipients(S.dispute_opened(), [ADMIN])} == {S.dispute_id}


def test_messages_carry_the_numbers() -> None:
    (note,) = recipients(S.awaiting_response())
    assert note.title == "New request"
    assert "2.00 h" in note.message
    (bonus,) = recipients(balance_changed(R, TransactionType.WELCOME_BONUS, "5.00", "welcome"))
    assert bonus.message == "+5.00 h; balance now 5.00 h. welcome"
    (adjusted,) = recipients(balance_changed(R, TransactionType.ADMIN_ADJUSTMENT, "-1.00"))
    assert adjusted.message.startswith("-1.00 h")


def test_every_admin_hears_of_a_new_dispute_once_even_if_a_party() -> None:
    admins = [uuid4(), uuid4(), P]
    notes = recipients(S.dispute_opened(), admins)
    assert sorted(n.member_id for n in notes if n.type == "DISPUTE_NEW") == sorted(admins)


@pytest.mark.parametrize(
    "event",
    [
        registered(R),
        S.disputed(),
        balance_changed(R, TransactionType.ESCROW_HOLD),
        balance_changed(R, TransactionType.ESCROW_RELEASE),
    ],
)
def test_events_that_tell_nobody(event: Event) -> None:
    assert recipients(event, [ADMIN]) == []


def test_only_types_that_may_concern_someone_are_parsed() -> None:
    from hourbank_notifications.domain.recipients import MAPPINGS
    from hourbank_notifications.handlers import DIRECTORY_EVENTS, TOLD_TO_ADMINS, WORTH_PARSING

    noticed = {kind.TYPE for kind in (*MAPPINGS, *DIRECTORY_EVENTS, *TOLD_TO_ADMINS)}
    assert noticed == WORTH_PARSING
    assert "hourbank.request.awaiting_response.v1" in WORTH_PARSING
    assert "hourbank.ledger.balance_changed.v1" in WORTH_PARSING
    assert "hourbank.escrow.held.v1" not in WORTH_PARSING
    assert "hourbank.request.submitted.v1" not in WORTH_PARSING
