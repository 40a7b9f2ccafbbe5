"""Offering rules: who may offer, what the terms may be, who may change or withdraw them."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offerings import Offering, TermChanges, Terms

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GARDEN = Terms("Garden help", "Weeding", "garden")


def provider() -> Member:
    return Member.register(uuid4(), "Ada", None, frozenset({"member"}), NOW)


def offering(**changes: Any) -> Offering:
    return Offering.create(provider(), replace(GARDEN, **changes), NOW)


def test_an_offering_is_created_with_clean_terms_and_defaults() -> None:
    created = Offering.create(provider(), Terms(" Garden help ", " Weeding ", " GARDEN "), NOW)

    assert created.terms == Terms("Garden help", "Weeding", "garden", Decimal("1.00"), 24)
    assert (created.active, created.version, created.created_at) == (True, 0, NOW)


def test_a_suspended_member_may_not_offer() -> None:
    suspended = provider()
    suspended.suspend("spam", by_admin_id=uuid4())

    with pytest.raises(Forbidden, match="SUSPENDED"):
        Offering.create(suspended, Terms("Garden help", "", "garden"), NOW)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "title: must be 1 to 120"),
        ({"title": "t" * 121}, "title"),
        ({"description": "d" * 2001}, "description: must be 0 to 2000"),
        ({"category": " "}, "category: must be 1 to 40"),
        ({"category": "c" * 41}, "category"),
        ({"rate": Decimal("0")}, r"rate: 0 is outside the allowed range \(0, 100\]"),
        ({"rate": Decimal("100.01")}, "rate"),
        ({"rate": Decimal("-1")}, "rate"),
        ({"rate": Decimal("NaN")}, "rate"),
        ({"rate": Decimal("1.234")}, "rate: 1.234 has more than two decimal places"),
        ({"response_window_hours": 1}, "response_window_hours: must be a whole number from 2"),
        ({"response_window_hours": 73}, "response_window_hours"),
    ],
)
def test_terms_breaking_a_rule_are_invalid(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        offering(**changes)


@pytest.mark.parametrize(
    ("changes", "kept"),
    [
        ({"rate": Decimal("100")}, Decimal("100.00")),
        ({"rate": Decimal("0.01")}, Decimal("0.01")),
        ({"rate": Decimal("1.50000")}, Decimal("1.50")),
    ],
)
def test_rates_at_the_edges_are_kept_to_two_places(changes: dict[str, Any], kept: Decimal) -> None:
    assert offering(**changes).terms.rate == kept


def test_the_provider_revises_some_terms() -> None:
    revised = offering()

    revised.revise(revised.provider_id, TermChanges(category="Outdoors", rate=Decimal("2")))

    assert revised.terms == Terms("Garden help", "Weeding", "outdoors", Decimal("2.00"), 24)
    assert revised.version == 1


def test_a_revision_that_changes_nothing_keeps_the_version() -> None:
    revised = offering()

    revised.revise(revised.provider_id, TermChanges(title=" Garden help "))

    assert revised.version == 0


def test_a_bad_revision_changes_nothing() -> None:
    revised = offering()

    with pytest.raises(InvalidInput, match="response_window_hours"):
        revised.revise(revised.provider_id, TermChanges(title="New", response_window_hours=100))
    assert revised.terms.title == "Garden help"


def test_only_the_provider_revises_or_withdraws() -> None:
    guarded = offering()

    with pytest.raises(Forbidden, match="only the provider"):
        guarded.revise(uuid4(), TermChanges(title="Mine"))
    with pytest.raises(Forbidden, match="only the provider"):
        guarded.withdraw(uuid4())
    assert guarded.active


def test_withdrawing_is_idempotent_and_ends_revisions() -> None:
    withdrawn = offering()

    withdrawn.withdraw(withdrawn.provider_id)
    withdrawn.withdraw(withdrawn.provider_id)

    assert (withdrawn.active, withdrawn.version) == (False, 1)
    with pytest.raises(NotAllowedNow, match="withdrawn"):
        withdrawn.revise(withdrawn.provider_id, TermChanges(title="Back"))
