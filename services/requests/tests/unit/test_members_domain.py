"""Member rules: registration, suspension, reactivation and ratings, with the events recorded."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_requests.domain.members import Member, MemberStatus
from hourbank_shared.contracts.member_contacts import MemberContactChanged
from hourbank_shared.contracts.members import (
    MemberReactivated,
    MemberRegistered,
    MemberRegisteredV2,
    MemberSuspended,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def registered(display_name: str = "Ada", email: str | None = None) -> Member:
    return Member.register(uuid4(), display_name, email, frozenset({"member"}), NOW)


def test_registering_records_member_registered_and_the_contact_data_apart() -> None:
    member = Member.register(
        uuid4(), " Ada ", " ada@Example.org", frozenset({"member", "admin"}), NOW
    )

    assert member.status is MemberStatus.ACTIVE
    assert (member.display_name, member.email) == ("Ada", "ada@example.org")
    public = {
        "member_id": member.id,
        "display_name": "Ada",
        "roles": ["admin", "member"],
        "registered_at": NOW,
        "sequence": 0,
    }
    assert member.events == [
        MemberRegistered(**public, email=None),
        MemberRegisteredV2(**public),
        MemberContactChanged(
            member_id=member.id, sequence=0, email="ada@example.org", changed_at=NOW
        ),
    ]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_display_name_is_1_to_80_characters(name: str) -> None:
    with pytest.raises(InvalidInput, match="display_name"):
        registered(display_name=name)


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@example.org", "ada@example", "a b@c.de"])
def test_an_email_must_look_like_one(email: str) -> None:
    with pytest.raises(InvalidInput, match="email"):
        registered(email=email)


def test_suspending_and_reactivating_record_their_events() -> None:
    member, admin = registered(), uuid4()
    member.events.clear()

    member.suspend(" spam ", by_admin_id=admin)
    suspended_at = member.version
    member.reactivate(" apologised ", by_admin_id=admin)

    assert member.status is MemberStatus.ACTIVE
    assert member.version == suspended_at + 1 == 2
    assert member.events == [
        MemberSuspended(member_id=member.id, reason="spam", by_admin_id=admin, sequence=1),
        MemberReactivated(member_id=member.id, reason="apologised", by_admin_id=admin, sequence=2),
    ]


def test_suspending_twice_or_reactivating_an_active_member_is_not_allowed() -> None:
    member = registered()
    with pytest.raises(NotAllowedNow, match="already ACTIVE"):
        member.reactivate("why not", by_admin_id=uuid4())
    member.suspend("spam", by_admin_id=uuid4())

    with pytest.raises(NotAllowedNow, match="already SUSPENDED"):
        member.suspend("again", by_admin_id=uuid4())
    assert [type(event) for event in member.events][-1:] == [MemberSuspended]
    assert len(member.events) == 4, "the registration's three, one suspension"


def test_a_suspension_needs_a_reason() -> None:
    member = registered()

    with pytest.raises(InvalidInput, match="reason"):
        member.suspend("  ", by_admin_id=uuid4())
    assert member.status is MemberStatus.ACTIVE


def test_ratings_add_up_to_an_average_of_two_decimals() -> None:
    member = registered()
    assert member.rating_average is None

    for score in (5, 4, 4):
        member.add_rating(score)

    assert (member.rating_sum, member.rating_count) == (13, 3)
    assert member.rating_average == Decimal("4.33")


@pytest.mark.parametrize("score", [0, 6, True])
def test_a_rating_is_1_to_5(score: int) -> None:
    member = registered()

    with pytest.raises(InvalidInput, match="score"):
        member.add_rating(score)
    assert member.rating_count == 0


def test_member_events_carry_the_members_version_as_their_sequence() -> None:
    member = Member.register(uuid4(), "Ada", None, ("member",), NOW)
    member.suspend("spam", uuid4())
    member.add_rating(5)
    member.reactivate("served", uuid4())
    assert [getattr(e, "sequence", None) for e in member.events] == [0, 0, 0, 1, 3]


def test_no_admin_suspends_or_reactivates_themselves_and_reactivating_needs_a_reason() -> None:
    admin = registered()
    with pytest.raises(Forbidden, match="may not suspend themselves"):
        admin.suspend("testing", by_admin_id=admin.id)
    admin.suspend("spam", by_admin_id=uuid4())
    with pytest.raises(Forbidden, match="may not reactivate themselves"):
        admin.reactivate("I am back", by_admin_id=admin.id)
    with pytest.raises(InvalidInput, match="a reactivation needs a reason"):
        admin.reactivate(" ", by_admin_id=uuid4())
    assert admin.status is MemberStatus.SUSPENDED
