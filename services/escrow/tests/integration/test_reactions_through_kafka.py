"""Escrow's reaction to each saga event, fed through the real broker, checked in the
database and in what escrow publishes. Redeliveries and out-of-order events included."""

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from hourbank_escrow.adapters.ledger_state import reconcile_stored
from hourbank_shared.contracts.enums import DisputeResolution
from hourbank_shared.testing.infra import Infra, fresh_database

from .saga_feed import Feed, escrow_for, migrate, running_feed
from .story import Story, registered, registered_v2, suspended

D = Decimal


@pytest.fixture(scope="module")
def feed(infra: Infra) -> Iterator[Feed]:
    with fresh_database(infra, "escrow") as url:
        migrate(url)
        escrow = escrow_for(url)
        with running_feed(escrow, infra.bootstrap) as running:
            yield running
        escrow.engine.dispose()


@pytest.fixture
def story(feed: Feed) -> Iterator[Story]:
    """Both parties registered (3.00 each); reconciliation must be clean after each test."""
    story = Story()
    feed.send(registered(story.requester_id))
    feed.send(registered(story.provider_id))
    yield story
    with feed.escrow.sessions() as session:
        report = reconcile_stored(session)
    assert report.ok, report.violations


def types(published: list[dict[str, object]]) -> list[object]:
    return [event["type"] for event in published]


def test_registration_grants_the_welcome_bonus_exactly_once(feed: Feed, story: Story) -> None:
    member = registered(uuid.uuid4())
    first = feed.send(member)
    assert types(feed.published(first)) == [
        "hourbank.account.opened.v1",
        "hourbank.ledger.balance_changed.v1",
    ]
    bonus = feed.published(first)[1]
    assert (bonus["transaction_type"], bonus["delta_total"], bonus["total_after"]) == (
        "WELCOME_BONUS", "3.00", "3.00",
    )  # fmt: skip
    feed.send(member, again=first)  # the same event redelivered
    feed.send(member)  # a second registration event for the same member
    assert feed.balance(member.member_id) == (D("3.00"), D("3.00"), D("0.00"))


def test_registration_v2_opens_the_account_and_its_v1_twin_changes_nothing(feed: Feed) -> None:
    member = uuid.uuid4()
    opened = feed.send(registered_v2(member))
    assert types(feed.published(opened)) == [
        "hourbank.account.opened.v1",
        "hourbank.ledger.balance_changed.v1",
    ]
    twin = feed.send(registered(member))  # the requests service publishes both versions
    assert feed.published(twin) == []
    assert feed.balance(member) == (D("3.00"), D("3.00"), D("0.00"))


def test_hold_then_release_pays_the_provider_and_refunds_the_rest(feed: Feed, story: Story) -> None:
    held = feed.send(story.submitted("2.00"))
    assert types(feed.published(held)) == [
        "hourbank.ledger.balance_changed.v1",
        "hourbank.escrow.held.v1",
    ]
    assert feed.balance(story.requester_id) == (D("3.00"), D("1.00"), D("2.00"))
    completed = story.completed("2.00", "1.50")
    released = feed.send(completed)
    feed.send(completed, again=released)
    [event] = [e for e in feed.published(released) if e["type"] == "hourbank.escrow.released.v1"]
    assert (event["provider_amount"], event["requester_refund"]) == ("1.50", "0.50")
    assert feed.balance(story.requester_id) == (D("1.50"), D("1.50"), D("0.00"))
    assert feed.balance(story.provider_id) == (D("4.50"), D("4.50"), D("0.00"))


def test_a_hold_that_cannot_be_placed_is_published_as_failed(feed: Feed, story: Story) -> None:
    failed = feed.send(story.submitted("3.01"))
    [event] = feed.published(failed)
    assert (event["type"], event["reason"]) == (
        "hourbank.escrow.hold_failed.v1", "INSUFFICIENT_BALANCE",
    )  # fmt: skip
    assert feed.balance(story.requester_id) == (D("3.00"), D("3.00"), D("0.00"))


def test_a_suspension_seen_by_escrow_does_not_refuse_a_hold(feed: Feed, story: Story) -> None:
    feed.send(suspended(story.requester_id))  # the requests service may have reactivated since
    held = feed.send(story.submitted("1.00"))
    assert types(feed.published(held))[-1] == "hourbank.escrow.held.v1"


def test_a_submission_that_overtakes_the_registration_opens_the_accounts_once(
    feed: Feed,
) -> None:
    story = Story()  # registered at the requests service; escrow has not heard of it yet
    held = feed.send(story.submitted("1.00"))
    assert types(feed.published(held))[-1] == "hourbank.escrow.held.v1"
    assert feed.balance(story.requester_id) == (D("3.00"), D("2.00"), D("1.00"))
    assert feed.balance(story.provider_id) == (D("3.00"), D("3.00"), D("0.00"))
    feed.send(registered(story.requester_id))
    feed.send(registered(story.provider_id))
    assert feed.balance(story.requester_id) == (D("3.00"), D("2.00"), D("1.00"))  # bonus once


def test_accepted_counter_offers_adjust_the_hold_up_and_down(feed: Feed, story: Story) -> None:
    feed.send(story.submitted("1.00"))
    raise_to = story.offer_accepted("2.50", "1.00")
    up = feed.send(raise_to)
    feed.send(raise_to, again=up)
    assert types(feed.published(up))[-1] == "hourbank.escrow.adjusted.v1"
    assert feed.balance(story.requester_id) == (D("3.00"), D("0.50"), D("2.50"))
    too_much = feed.send(story.offer_accepted("3.50", "2.50"))
    [failed] = feed.published(too_much)
    assert (failed["type"], failed["reason"]) == (
        "hourbank.escrow.adjust_failed.v1", "INSUFFICIENT_BALANCE",
    )  # fmt: skip
    feed.send(story.offer_accepted("0.75", "2.50"))
    assert feed.balance(story.requester_id) == (D("3.00"), D("2.25"), D("0.75"))


@pytest.mark.parametrize("ending", ["declined", "expired", "cancelled"])
def test_an_ended_request_refunds_the_whole_hold_once(
    feed: Feed, story: Story, ending: str
) -> None:
    feed.send(story.submitted("2.00"))
    event = {
        "declined": story.declined(),
        "expired": story.expired("2.00"),
        "cancelled": story.cancelled("2.00"),
    }[ending]
    refunded = feed.send(event)
    feed.send(event, again=refunded)
    feed.send(story.cancelled("2.00"))  # a second, different ending changes nothing
    assert types(feed.published(refunded))[-1] == "hourbank.escrow.refunded.v1"
    assert feed.balance(story.requester_id) == (D("3.00"), D("3.00"), D("0.00"))


def test_a_cancel_that_overtakes_the_submission_leaves_no_hold(feed: Feed, story: Story) -> None:
    feed.send(story.cancelled("2.00"))
    late = feed.send(story.submitted("2.00"))
    [event] = feed.published(late)
    assert (event["type"], event["reason"]) == ("hourbank.escrow.hold_failed.v1", "INVALID_STATE")
    assert feed.balance(story.requester_id) == (D("3.00"), D("3.00"), D("0.00"))


def test_a_dismissed_dispute_unfreezes_and_the_request_can_still_be_paid(
    feed: Feed, story: Story
) -> None:
    feed.send(story.submitted("2.00"))
    frozen = feed.send(story.disputed())
    feed.send(story.disputed(), again=frozen)
    assert types(feed.published(frozen)) == ["hourbank.escrow.frozen.v1"]
    unfrozen = feed.send(story.dismissed())
    feed.send(story.dismissed(), again=unfrozen)
    assert types(feed.published(unfrozen)) == ["hourbank.escrow.unfrozen.v1"]
    feed.send(story.completed("2.00", "2.00"))
    assert feed.balance(story.provider_id) == (D("5.00"), D("5.00"), D("0.00"))


@pytest.mark.parametrize(
    ("resolution", "provider", "refund", "requester_after", "provider_after"),
    [
        (DisputeResolution.PAY_PROVIDER, "2.00", "0.00", "1.00", "5.00"),
        (DisputeResolution.REFUND_REQUESTER, "0.00", "2.00", "3.00", "3.00"),
        (DisputeResolution.SPLIT, "1.25", "0.75", "1.75", "4.25"),
    ],
)
def test_each_resolution_settles_exactly_once(
    feed: Feed,
    story: Story,
    resolution: DisputeResolution,
    provider: str,
    refund: str,
    requester_after: str,
    provider_after: str,
) -> None:
    feed.send(story.submitted("2.00"))
    feed.send(story.disputed())
    decision = story.resolved(resolution, provider, refund)
    settled = feed.send(decision)
    feed.send(decision, again=settled)
    [event] = [e for e in feed.published(settled) if e["type"] == "hourbank.escrow.settled.v1"]
    assert (event["provider_amount"], event["requester_refund"]) == (provider, refund)
    assert feed.balance(story.requester_id)[0] == D(requester_after)
    assert feed.balance(story.provider_id)[0] == D(provider_after)


def test_a_resolution_that_overtakes_the_freeze_settles_once(feed: Feed, story: Story) -> None:
    feed.send(story.submitted("2.00"))
    feed.send(story.resolved(DisputeResolution.SPLIT, "0.50", "1.50"))
    late_freeze = feed.send(story.disputed())
    assert feed.published(late_freeze) == []
    assert feed.balance(story.provider_id)[0] == D("3.50")
    assert feed.balance(story.requester_id) == (D("2.50"), D("2.50"), D("0.00"))
