"""Inside a consumer's batch, a consumer claims every event of the batch in one statement
(PostgreSQL): still once per event, and the inbox ends up holding what the handlers claimed."""

import uuid

import pytest
from sqlalchemy import select

from hourbank_shared.batch import transaction_for_batch
from hourbank_shared.inbox import SqlInbox
from hourbank_shared.testing.pg import PgStore, statements_starting

TYPE = "hourbank.test.pinged.v1"


def _claimed(store: PgStore, consumer: str) -> set[uuid.UUID]:
    c = store.inbox_table.c
    with store.sessions() as session:
        return set(session.scalars(select(c.event_id).where(c.consumer == consumer)))


def test_a_batch_claims_its_events_in_one_statement_each_once(pg: PgStore) -> None:
    ids = [uuid.uuid4() for _ in range(4)]
    inserts = statements_starting(pg, "INSERT INTO inbox")
    with transaction_for_batch(dict.fromkeys(ids, TYPE)) as batch:
        inbox = SqlInbox(batch.session(pg.sessions), pg.inbox_table)
        assert [inbox.claim("escrow", i, TYPE) for i in ids] == [True] * 4
        assert inbox.claim("escrow", ids[0], TYPE) is False  # taken once
        batch.commit()
    assert len(inserts) == 1
    assert _claimed(pg, "escrow") == set(ids)


def test_an_event_claimed_before_the_batch_is_not_claimed_again(pg: PgStore) -> None:
    before, new = uuid.uuid4(), uuid.uuid4()
    with pg.transaction() as (_, inbox):
        assert inbox.claim("escrow", before, TYPE)
    with transaction_for_batch({before: TYPE, new: TYPE}) as batch:
        inbox = SqlInbox(batch.session(pg.sessions), pg.inbox_table)
        assert inbox.claim("escrow", new, TYPE) is True
        assert inbox.claim("escrow", before, TYPE) is False
        # another consumer's claims are its own
        assert SqlInbox(batch.session(pg.sessions), pg.inbox_table).claim("requests", before)
        batch.commit()
    assert _claimed(pg, "escrow") == {before, new}
    assert _claimed(pg, "requests") == {before}


def test_claims_no_handler_took_are_gone_at_the_commit(pg: PgStore) -> None:
    taken, ignored = uuid.uuid4(), uuid.uuid4()
    with transaction_for_batch({ignored: TYPE, taken: TYPE}) as batch:
        inbox = SqlInbox(batch.session(pg.sessions), pg.inbox_table)
        assert inbox.claim("escrow", taken, TYPE)
        batch.commit()
    assert _claimed(pg, "escrow") == {taken}
    with pg.transaction() as (_, inbox):  # the ignored event can still be claimed later
        assert inbox.claim("escrow", ignored, TYPE) is True


def test_a_batch_that_rolls_back_leaves_no_claim(pg: PgStore) -> None:
    ids = [uuid.uuid4(), uuid.uuid4()]
    with pytest.raises(RuntimeError), transaction_for_batch(dict.fromkeys(ids, TYPE)) as batch:
        inbox = SqlInbox(batch.session(pg.sessions), pg.inbox_table)
        assert inbox.claim("escrow", ids[0], TYPE)
        raise RuntimeError("a handler failed")
    assert _claimed(pg, "escrow") == set()


def test_an_event_outside_the_batch_is_claimed_on_its_own(pg: PgStore) -> None:
    inside, outside = uuid.uuid4(), uuid.uuid4()
    with transaction_for_batch({inside: TYPE}) as batch:
        inbox = SqlInbox(batch.session(pg.sessions), pg.inbox_table)
        assert inbox.claim("escrow", outside, TYPE) is True
        assert inbox.claim("escrow", outside, TYPE) is False
        batch.commit()
    assert _claimed(pg, "escrow") == {outside}
