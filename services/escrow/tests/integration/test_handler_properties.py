"""Random event sequences, with duplicates, redeliveries and reordering, through the real
handlers and database: reconciliation stays clean and no hour is created or lost."""

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.adapters.ledger_state import reconcile_stored
from hourbank_escrow.bootstrap import Escrow
from hourbank_escrow.consumers import REACTIONS
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import DisputeResolution
from hourbank_shared.envelope import Envelope
from hourbank_shared.testing.infra import Infra, fresh_database

from .saga_feed import escrow_for, migrate
from .story import Story, registered

STEPS: list[Callable[[Story], Event]] = [
    lambda s: s.submitted("2.00"),
    lambda s: s.submitted("1.00"),
    lambda s: s.offer_accepted("2.50", "2.00"),
    lambda s: s.offer_accepted("0.50", "2.00"),
    lambda s: s.declined(),
    lambda s: s.expired("2.00"),
    lambda s: s.cancelled("2.00"),
    lambda s: s.completed("2.00", "0.40"),
    lambda s: s.disputed(),
    lambda s: s.dismissed(),
    lambda s: s.resolved(DisputeResolution.PAY_PROVIDER, "2.00", "0.00"),
    lambda s: s.resolved(DisputeResolution.REFUND_REQUESTER, "0.00", "2.00"),
    lambda s: s.resolved(DisputeResolution.SPLIT, "0.30", "1.70"),
]


@pytest.fixture(scope="module")
def escrow(infra: Infra) -> Iterator[Escrow]:
    with fresh_database(infra, "escrowprop") as url:
        migrate(url)
        escrow = escrow_for(url)
        yield escrow
        escrow.engine.dispose()


def deliver(escrow: Escrow, envelope: Envelope, event: Any) -> None:
    REACTIONS[envelope.type](escrow.context, envelope, event)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.integers(0, len(STEPS) - 1), min_size=1, max_size=10),
    redeliver=st.lists(st.integers(0, 9), max_size=4),
    register_late=st.booleans(),
)
def test_any_order_of_saga_events_keeps_the_ledger_whole(
    escrow: Escrow, steps: list[int], redeliver: list[int], register_late: bool
) -> None:
    story = Story()
    members = [registered(story.requester_id), registered(story.provider_id)]
    events = [STEPS[i](story) for i in steps]
    ordered = events + members if register_late else members + events
    sent: list[tuple[Envelope, Event]] = []
    for event in ordered:
        envelope = Envelope.wrap(event, source="/test")
        deliver(escrow, envelope, event)
        sent.append((envelope, event))
    for index in redeliver:  # the same envelopes again: must change nothing
        envelope, event = sent[index % len(sent)]
        deliver(escrow, envelope, event)

    with escrow.sessions() as session:
        report = reconcile_stored(session)
    assert report.ok, report.violations
    with escrow.sessions() as session:
        rows = session.execute(
            select(t.accounts.c.total, t.accounts.c.escrowed, t.accounts.c.credit_limit).where(
                t.accounts.c.member_id.in_([story.requester_id, story.provider_id])
            )
        ).all()
    # hours only move between the two parties: together they keep both welcome bonuses
    assert len(rows) == 2
    assert sum(row.total for row in rows) == Decimal("6.00")
    assert all(row.total - row.escrowed >= -row.credit_limit for row in rows)
