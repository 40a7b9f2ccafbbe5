"""200 holds racing on one account never take `available` below −credit_limit."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import func, select

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.adapters.ledger_state import reconcile_stored
from hourbank_escrow.handlers import when_member_registered, when_request_submitted
from hourbank_shared.envelope import Envelope

from .saga_feed import escrow_for, migrate
from .story import Story, registered

RACERS = 200


def test_two_hundred_racing_holds_take_exactly_what_the_balance_allows(database_url: str) -> None:
    migrate(database_url)
    escrow = escrow_for(database_url)
    requester = uuid.uuid4()
    stories = [Story(requester_id=requester) for _ in range(RACERS)]
    member = registered(requester)
    when_member_registered(escrow.context, Envelope.wrap(member, source="/t"), member)

    def submit(story: Story) -> None:
        event = story.submitted("0.10")
        when_request_submitted(escrow.context, Envelope.wrap(event, source="/t"), event)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, stories))

    with escrow.sessions() as session:
        account = session.execute(
            select(t.accounts).where(t.accounts.c.member_id == requester)
        ).one()
        held = session.execute(
            select(func.count()).select_from(t.holds).where(t.holds.c.status == "HELD")
        ).scalar_one()
        failed = session.execute(
            select(func.count()).select_from(t.holds).where(t.holds.c.tombstone == "HOLD_FAILED")
        ).scalar_one()
    with escrow.sessions() as session:
        report = reconcile_stored(session)
    escrow.engine.dispose()
    assert (held, failed) == (30, RACERS - 30)
    assert account.total - account.escrowed == Decimal("0.00")
    assert account.escrowed == Decimal("3.00")
    assert report.ok, report.violations
