"""Offering review: where new terms go, who approves or rejects, the events, who sees what."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offering_access import listed_statuses, may_see
from hourbank_requests.domain.offerings import Offering, TermChanges, Terms
from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts import offerings as ev
from hourbank_shared.contracts.enums import OfferingStatus as O

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = uuid4()


def offering(*, review: bool) -> Offering:
    provider = Member.register(uuid4(), "Ada", None, frozenset({"member"}), NOW)
    return Offering.create(provider, Terms("Garden help", "Weeding", "garden"), NOW, review=review)


def pending() -> Offering:
    waiting = offering(review=True)
    waiting.events.clear()
    return waiting


def test_without_review_a_new_offering_is_approved_at_once() -> None:
    created = offering(review=False)

    assert created.status is O.APPROVED
    (event,) = created.events
    assert isinstance(event, ev.OfferingCreated)
    assert (event.status, event.sequence, event.created_at) == (O.APPROVED, 0, NOW)
    assert (event.offering_id, event.provider_id, event.key()) == (
        created.id, created.provider_id, str(created.provider_id)
    )  # fmt: skip
    assert (event.title, event.category, event.rate) == ("Garden help", "garden", Decimal("1.00"))


def test_with_review_a_new_offering_waits_for_an_admin() -> None:
    created = offering(review=True)

    assert created.status is O.PENDING_REVIEW
    assert created.active
    assert [type(e) for e in created.events] == [ev.OfferingCreated]
    assert created.events[0].status is O.PENDING_REVIEW


def test_an_admin_approves_with_an_optional_note() -> None:
    approved = pending()

    approved.approve(ADMIN, "  welcome  ")

    assert (approved.status, approved.review_note, approved.reviewed_by) == (
        O.APPROVED, "welcome", ADMIN
    )  # fmt: skip
    (event,) = approved.events
    assert isinstance(event, ev.OfferingApproved)
    assert (event.note, event.by_admin_id, event.sequence, event.title) == (
        "welcome", ADMIN, 1, "Garden help"
    )  # fmt: skip


def test_an_admin_rejects_for_a_reason() -> None:
    rejected = pending()

    with pytest.raises(InvalidInput, match="reason"):
        rejected.reject(ADMIN, "   ")
    rejected.reject(ADMIN, "not a service")

    assert (rejected.status, rejected.review_note) == (O.REJECTED, "not a service")
    (event,) = rejected.events
    assert isinstance(event, ev.OfferingRejected)
    assert (event.reason, event.status) == ("not a service", O.REJECTED)


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_only_an_offering_pending_review_is_decided_and_the_409_names_the_status(
    decide: str,
) -> None:
    decided = offering(review=False)

    with pytest.raises(NotAllowedNow, match="is APPROVED") as refused:
        getattr(decided, decide)(ADMIN, "why")

    assert refused.value.extensions == {"offering_status": O.APPROVED}
    decided.withdraw(decided.provider_id)
    with pytest.raises(NotAllowedNow, match="is WITHDRAWN"):
        getattr(decided, decide)(ADMIN, "why")


def test_terms_changed_since_the_version_the_admin_read_are_not_decided_unseen() -> None:
    changed = pending()
    seen = changed.version
    changed.revise(changed.provider_id, TermChanges(rate=Decimal("9")), review=True)

    with pytest.raises(NotAllowedNow, match=f"changed since version {seen}") as refused:
        changed.approve(ADMIN, None, seen_version=seen)
    changed.reject(ADMIN, "rate too high", seen_version=changed.version)

    assert refused.value.extensions["version"] == seen + 1
    assert changed.status is O.REJECTED


def test_an_admin_may_not_review_their_own_offering() -> None:
    own = pending()

    with pytest.raises(Forbidden, match="their own offering"):
        own.approve(own.provider_id, None)
    assert own.status is O.PENDING_REVIEW


def test_new_terms_of_an_approved_offering_go_back_to_review() -> None:
    live = pending()
    live.approve(ADMIN, "ok")
    live.events.clear()

    live.revise(live.provider_id, TermChanges(rate=Decimal("2")), review=True)

    assert (live.status, live.review_note, live.reviewed_by) == (O.PENDING_REVIEW, None, None)
    (event,) = live.events
    assert isinstance(event, ev.OfferingRevised)
    assert (event.status, event.rate, event.sequence) == (O.PENDING_REVIEW, Decimal("2.00"), 2)


def test_without_review_new_terms_stay_live_and_unchanged_terms_change_nothing() -> None:
    live = offering(review=False)
    live.events.clear()

    live.revise(live.provider_id, TermChanges(title=" Garden help "), review=True)
    assert (live.status, live.version, live.events) == (O.APPROVED, 0, [])
    live.revise(live.provider_id, TermChanges(title="Garden care"), review=False)

    assert (live.status, live.version) == (O.APPROVED, 1)


def test_revising_a_rejected_offering_submits_it_again() -> None:
    again = pending()
    again.reject(ADMIN, "too vague")

    again.revise(again.provider_id, TermChanges(description="Weeding, 2 h at most"), review=True)

    assert again.status is O.PENDING_REVIEW


def test_an_admin_withdraws_for_moderation_and_a_withdrawal_is_published_once() -> None:
    taken_down = offering(review=False)
    taken_down.events.clear()

    taken_down.withdraw(ADMIN, by_admin=True, reason="reported as fraud")
    taken_down.withdraw(ADMIN, by_admin=True, reason="again")

    (event,) = taken_down.events
    assert isinstance(event, ev.OfferingWithdrawn)
    assert (event.withdrawn_by, event.by_admin, event.reason, event.status) == (
        ADMIN, True, "reported as fraud", O.WITHDRAWN
    )  # fmt: skip


PROVIDER = uuid4()
MEMBER = Caller(uuid4())
OWNER = Caller(PROVIDER)
AN_ADMIN = Caller(uuid4(), is_admin=True)
NOT_WITHDRAWN = {O.PENDING_REVIEW, O.APPROVED, O.REJECTED}


@pytest.mark.parametrize("status", list(O))
def test_members_see_approved_offerings_providers_and_admins_every_one(status: O) -> None:
    assert may_see(MEMBER, PROVIDER, status) is (status is O.APPROVED)
    assert may_see(OWNER, PROVIDER, status)
    assert may_see(AN_ADMIN, PROVIDER, status)


@pytest.mark.parametrize(
    ("caller", "provider", "status", "withdrawn", "listed"),
    [
        (MEMBER, None, None, False, {O.APPROVED}),
        (MEMBER, None, None, True, {O.APPROVED}),
        (MEMBER, PROVIDER, None, True, {O.APPROVED}),
        (MEMBER, None, O.APPROVED, False, {O.APPROVED}),
        (OWNER, PROVIDER, None, False, NOT_WITHDRAWN),
        (OWNER, PROVIDER, None, True, set(O)),
        (OWNER, PROVIDER, O.REJECTED, False, {O.REJECTED}),
        (OWNER, None, None, False, {O.APPROVED}),
        (AN_ADMIN, None, None, False, {O.APPROVED}),
        (AN_ADMIN, None, O.PENDING_REVIEW, False, {O.PENDING_REVIEW}),
        (AN_ADMIN, PROVIDER, None, False, NOT_WITHDRAWN),
        (AN_ADMIN, None, None, True, set(O)),
    ],
)
def test_listings_show_what_the_caller_may_see(
    caller: Caller, provider: UUID | None, status: O | None, withdrawn: bool, listed: set[O]
) -> None:
    assert listed_statuses(caller, provider, status, withdrawn) == listed


@pytest.mark.parametrize("status", [O.PENDING_REVIEW, O.REJECTED, O.WITHDRAWN])
def test_a_member_asking_for_other_statuses_is_refused(status: O) -> None:
    with pytest.raises(Forbidden, match="for admins"):
        listed_statuses(MEMBER, None, status, False)
    with pytest.raises(Forbidden):
        listed_statuses(OWNER, uuid4(), status, False)
