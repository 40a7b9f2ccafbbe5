"""What the admin console reads from disputes: one request's disputes (its timeline) and the
dispute resolution KPI, against the real PostgreSQL."""

from datetime import timedelta
from uuid import uuid4

import pytest

from hourbank_shared.clock import FixedClock

from .story import Story
from .test_disputes_api import ADMIN, PROBLEM, Bank, auth, bank

pytestmark = pytest.mark.integration
__all__ = ["bank"]  # the fixture this module uses


def confirmed(bank: Bank) -> tuple[Story, str]:
    """A request in progress, disputed by its requester, confirmed DISPUTED."""
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)
    story.disputed(dispute_id)
    return story, dispute_id


def clock_of(bank: Bank) -> FixedClock:
    clock = bank.ctx.clock
    assert isinstance(clock, FixedClock)
    return clock


def test_the_disputes_of_one_request_for_admins_and_its_parties(bank: Bank) -> None:
    first, first_dispute = confirmed(bank)
    other, other_dispute = confirmed(bank)

    for_admin = bank.list(ADMIN, admin=True, request_id=str(first.request_id))
    for_party = bank.list(first.provider_id, request_id=str(first.request_id))
    for_stranger = bank.list(other.requester_id, request_id=str(first.request_id))
    everything = bank.list(ADMIN, admin=True)
    bad = bank.client.get("/v1/disputes?request_id=nope", headers=auth(ADMIN, admin=True))

    assert [d["id"] for d in for_admin["items"]] == [first_dispute]
    assert [d["id"] for d in for_party["items"]] == [first_dispute]
    assert for_stranger["items"] == []
    assert {d["id"] for d in everything["items"]} == {first_dispute, other_dispute}
    assert bad.status_code == 422
    assert bad.headers["content-type"] == PROBLEM


def test_the_resolution_kpi_over_the_decided_disputes(bank: Bank) -> None:
    clock = clock_of(bank)
    _, resolved = confirmed(bank)
    _, dismissed = confirmed(bank)
    clock.advance(timedelta(hours=1))
    assert bank.admin(dismissed, "dismiss", note="no case").status_code == 200
    clock.advance(timedelta(hours=1))
    bank.admin(resolved, "assign")
    answer = bank.admin(resolved, "resolve", resolution="PAY_PROVIDER", note="done")
    assert answer.status_code == 200, answer.text
    confirmed(bank)  # still waiting for an admin

    stats = bank.client.get("/v1/disputes/stats", headers=auth(ADMIN, admin=True))
    member = bank.client.get("/v1/disputes/stats", headers=auth(uuid4()))

    assert stats.status_code == 200, stats.text
    figures = stats.json()
    assert figures["opened"] == 3
    assert figures["closed_by_status"] == {"RESOLVED": 1, "DISMISSED": 1}
    assert figures["decided"] == 2
    assert (figures["open_now"], figures["unassigned_now"]) == (1, 1)
    assert figures["resolution_p50_seconds"] == 5400.0  # between 1 h and 2 h
    assert figures["resolution_p95_seconds"] == 3600.0 + 0.95 * 3600.0
    assert member.status_code == 403  # not the 422 of `stats` read as a dispute id
    assert member.headers["content-type"] == PROBLEM


def test_a_window_before_the_decisions_has_none(bank: Bank) -> None:
    _, dispute_id = confirmed(bank)
    bank.admin(dispute_id, "dismiss", note="no case")
    clock_of(bank).advance(timedelta(hours=3))

    figures = bank.client.get("/v1/disputes/stats?hours=2", headers=auth(ADMIN, admin=True)).json()

    assert (figures["opened"], figures["decided"]) == (0, 0)
    assert figures["resolution_p95_seconds"] is None


def test_the_disputes_service_serves_its_dead_letters_to_admins_only(bank: Bank) -> None:
    refused = bank.client.get("/v1/dead-letters/disputes", headers=auth(uuid4()))

    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
