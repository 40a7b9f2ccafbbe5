"""Inside a consumer's batch, the outbox rows of its transaction are inserted together right
before it commits; outside one, at once (PostgreSQL)."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hourbank_shared.batch import transaction_for_batch
from hourbank_shared.db import staged_rows
from hourbank_shared.outbox import SqlOutbox
from hourbank_shared.testing.pg import PgStore, pinged, statements_starting


def _count(session: Any, pg: PgStore) -> int:
    return int(session.scalar(select(func.count()).select_from(pg.outbox_table)))


def test_the_events_of_a_batch_take_one_insert_in_the_order_added(pg: PgStore) -> None:
    sent = [pinged(n) for n in range(6)]
    inserts = statements_starting(pg, "INSERT INTO outbox")
    with transaction_for_batch() as batch:
        session = batch.session(pg.sessions)
        outbox = SqlOutbox(session, pg.outbox_table, "/hourbank/test")
        for env in sent:
            outbox.add_envelope(env, topic="t", key="k")
        assert staged_rows(session) == 6
        assert _count(session, pg) == 0
        batch.commit()
    assert len(inserts) == 1
    assert [r.event_id for r in pg.pending(10)] == [str(e.id) for e in sent]


def test_outside_a_batch_a_row_is_inserted_at_once(pg: PgStore) -> None:
    with pg.sessions.begin() as session:
        SqlOutbox(session, pg.outbox_table, "/hourbank/test").add_envelope(
            pinged(), topic="t", key="k"
        )
        assert staged_rows(session) == 0
        assert _count(session, pg) == 1


def test_a_session_reused_after_a_rollback_does_not_insert_the_rolled_back_rows(
    pg: PgStore,
) -> None:
    dropped, kept = pinged(1), pinged(2)
    with transaction_for_batch(), pg.sessions() as session:
        session.execute(select(1))  # the transaction has begun
        outbox = SqlOutbox(session, pg.outbox_table, "/hourbank/test")
        outbox.add_envelope(dropped, topic="t", key="k")
        session.rollback()
        assert staged_rows(session) == 0
        outbox.add_envelope(kept, topic="t", key="k")
        session.commit()
    assert [r.event_id for r in pg.pending(10)] == [str(kept.id)]


def test_a_duplicate_event_fails_the_batch_and_stores_nothing_of_it(pg: PgStore) -> None:
    twice = pinged(3)
    with pg.sessions.begin() as session:
        SqlOutbox(session, pg.outbox_table, "/hourbank/test").add_envelope(
            twice, topic="t", key="k"
        )
    with pytest.raises(IntegrityError), transaction_for_batch() as batch:
        outbox = SqlOutbox(batch.session(pg.sessions), pg.outbox_table, "/hourbank/test")
        outbox.add_envelope(pinged(4), topic="t", key="k")
        outbox.add_envelope(twice, topic="t", key="k")
        batch.commit()
    assert [r.event_id for r in pg.pending(10)] == [str(twice.id)]
