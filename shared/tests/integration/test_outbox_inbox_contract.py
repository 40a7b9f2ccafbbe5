"""One contract for the outbox and inbox ports, run against the fake and PostgreSQL."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hourbank_shared.envelope import Envelope
from hourbank_shared.testing.fakes import FakeStore
from hourbank_shared.testing.pg import PgStore, pinged


@pytest.fixture(params=["fake", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield FakeStore()
        return
    pg = PgStore(request.getfixturevalue("database_url"))
    yield pg
    pg.close()


def test_added_events_are_pending_in_order_with_topic_key_and_payload(store: Any) -> None:
    sent = [pinged(n) for n in range(5)]
    with store.transaction() as (outbox, _):
        for n, env in enumerate(sent):
            outbox.add_envelope(env, topic="t", key=f"k{n % 2}")
    pending = store.pending(10)
    assert [r.event_id for r in pending] == [str(e.id) for e in sent]
    assert [r.key for r in pending] == ["k0", "k1", "k0", "k1", "k0"]
    assert Envelope.from_json(pending[0].payload) == sent[0]
    assert pending[0].headers["ce_type"] == "hourbank.test.pinged.v1"


def test_pending_respects_the_limit(store: Any) -> None:
    with store.transaction() as (outbox, _):
        for n in range(7):
            outbox.add_envelope(pinged(n), topic="t", key="k")
    assert len(store.pending(3)) == 3


def test_marked_rows_are_no_longer_pending_and_marking_twice_counts_once(store: Any) -> None:
    with store.transaction() as (outbox, _):
        for n in range(4):
            outbox.add_envelope(pinged(n), topic="t", key="k")
    first_two = [r.id for r in store.pending(2)]
    assert store.mark_published(first_two) == 2
    assert store.mark_published(first_two) == 0
    assert store.mark_published([10**9]) == 0
    assert len(store.pending(10)) == 2


def test_inbox_claims_once_per_consumer(store: Any) -> None:
    event_id = uuid.uuid4()
    with store.transaction() as (_, inbox):
        assert inbox.claim("escrow", event_id) is True
        assert inbox.claim("escrow", event_id) is False
    with store.transaction() as (_, inbox):
        assert inbox.claim("escrow", event_id) is False
        assert inbox.claim("requests", event_id) is True


def test_a_rolled_back_transaction_leaves_neither_outbox_row_nor_claim(store: Any) -> None:
    event_id = uuid.uuid4()
    with pytest.raises(RuntimeError), store.transaction() as (outbox, inbox):
        outbox.add_envelope(pinged(), topic="t", key="k")
        assert inbox.claim("escrow", event_id)
        raise RuntimeError("effect failed")
    assert store.pending(10) == []
    with store.transaction() as (_, inbox):
        assert inbox.claim("escrow", event_id) is True
