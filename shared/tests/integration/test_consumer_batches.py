"""A consumer handles the events of one poll in one database transaction, exactly once each.

The handlers here are written as every service writes them (one unit of work: inbox claim,
effect, commit); the batch is the consumer's business. Each effect records the transaction it
ran in, so the tests see which events shared one.
"""

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from confluent_kafka import Producer
from sqlalchemy import Column, Engine, Integer, MetaData, Table, Uuid, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.after_commit import after_commit
from hourbank_shared.consumer import ConsumerRunner, RetryPolicy
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.envelope import Envelope
from hourbank_shared.idempotency import idempotency_table
from hourbank_shared.inbox import inbox_table
from hourbank_shared.kafka import dlq_topic
from hourbank_shared.outbox import outbox_table
from hourbank_shared.settings import libpq_url
from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.processes import consumer_running
from hourbank_shared.topic_reader import read_all
from hourbank_shared.unit_of_work import MessagingTables, SqlUnitOfWork

METADATA = MetaData()
TABLES = MessagingTables(inbox_table(METADATA), outbox_table(METADATA), idempotency_table(METADATA))
EFFECTS = Table(
    "effects",
    METADATA,
    Column("member_id", Uuid, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("txid", Integer, nullable=False),
)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine: Engine = make_engine(database_url, pool_size=2)
    METADATA.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


def registered(member_id: uuid.UUID) -> Envelope:
    event = MemberRegistered(
        member_id=member_id, display_name="M", roles=["member"], registered_at=datetime.now(UTC)
    )
    return Envelope.wrap(event, source="/hourbank/test")


def effects(database_url: str) -> dict[uuid.UUID, tuple[int, int]]:
    with psycopg.connect(libpq_url(database_url)) as conn:
        rows = conn.execute("SELECT member_id, count, txid FROM effects").fetchall()
    return {member: (count, txid) for member, count, txid in rows}


def counting_handler(
    name: str, sessions: sessionmaker[Session], refuse: Callable[[uuid.UUID], bool]
) -> Callable[[Envelope, Any], None]:
    """Claims the event, counts it, commits: unless `refuse` says to fail, after writing."""

    def handle(envelope: Envelope, event: MemberRegistered) -> None:
        with SqlUnitOfWork(sessions, TABLES, "/test") as uow:
            if not uow.inbox.claim(name, envelope.id, envelope.type):
                return
            txid = uow.session.execute(text("SELECT txid_current()")).scalar_one()
            uow.session.execute(
                insert(EFFECTS)
                .values(member_id=event.member_id, count=1, txid=txid)
                .on_conflict_do_update(
                    index_elements=[EFFECTS.c.member_id], set_={"count": EFFECTS.c.count + 1}
                )
            )
            if refuse(event.member_id):
                raise ValueError(f"refusing {event.member_id}")
            uow.commit()

    return handle


def publish(bootstrap: str, topic: str, members: list[uuid.UUID]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for member in members:
        producer.produce(topic, key=b"one-key", value=registered(member).to_json())
    producer.flush(10)


def run_until(runner: ConsumerRunner, done: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with consumer_running(runner):
        while not done() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert done(), "timed out"


def test_the_events_of_one_poll_share_one_transaction_and_apply_once(
    infra: Infra, database_url: str, sessions: sessionmaker[Session], new_topic: Any
) -> None:
    topic = new_topic("batch", partitions=1)
    name = f"batch{uuid.uuid4().hex[:8]}"
    members = [uuid.uuid4() for _ in range(40)]
    publish(infra.bootstrap, topic, members)  # all there before the consumer's first poll
    runner = ConsumerRunner(
        name=name,
        bootstrap=infra.bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: counting_handler(name, sessions, lambda _: False)},
    )
    run_until(runner, lambda: len(effects(database_url)) == len(members))

    applied = effects(database_url)
    assert {member: count for member, (count, _) in applied.items()} == dict.fromkeys(members, 1)
    transactions = {txid for _, txid in applied.values()}
    assert len(transactions) < len(members) / 4, f"{len(transactions)} transactions for 40"


def test_a_failing_event_rolls_its_batch_back_and_the_rest_apply_once_one_by_one(
    infra: Infra, database_url: str, sessions: sessionmaker[Session], new_topic: Any
) -> None:
    topic = new_topic("batchfail", partitions=1)
    name = f"batchfail{uuid.uuid4().hex[:8]}"
    members = [uuid.uuid4() for _ in range(12)]
    failing = members[5]
    publish(infra.bootstrap, topic, members)
    runner = ConsumerRunner(
        name=name,
        bootstrap=infra.bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: counting_handler(name, sessions, lambda m: m == failing)},
        retry=RetryPolicy(max_attempts=2, first_backoff=0.01),
    )
    run_until(runner, lambda: len(effects(database_url)) == len(members) - 1)

    applied = effects(database_url)
    assert failing not in applied
    assert {m: count for m, (count, _) in applied.items()} == {
        m: 1 for m in members if m != failing
    }
    dead = read_all(infra.bootstrap, dlq_topic(name), expected=1, timeout=30)
    assert dict(dead[0][2])["dlq.reason"] == b"handler_failed"


def claimed_and_written(
    uow: SqlUnitOfWork, name: str, envelope: Envelope, event: MemberRegistered
) -> bool:
    """Claims the event and writes its effect, not committing; False if claimed before."""
    if not uow.inbox.claim(name, envelope.id, envelope.type):
        return False
    txid = uow.session.execute(text("SELECT txid_current()")).scalar_one()
    uow.session.execute(insert(EFFECTS).values(member_id=event.member_id, count=1, txid=txid))
    return True


def consume_all_but_one(
    infra: Infra,
    database_url: str,
    topic: str,
    name: str,
    members: list[uuid.UUID],
    handle: Callable[[Envelope, MemberRegistered], None],
) -> None:
    """Publishes the members' registrations, then consumes them with `handle` until all but
    one have their effect."""
    publish(infra.bootstrap, topic, members)
    runner = ConsumerRunner(
        name=name, bootstrap=infra.bootstrap, topics=[topic], routes={MemberRegistered.TYPE: handle}
    )
    run_until(runner, lambda: len(effects(database_url)) == len(members) - 1)


def assert_applied_once_but(database_url: str, members: list[uuid.UUID], left: uuid.UUID) -> None:
    """Every member but `left` has its effect and its claim, once."""
    applied = effects(database_url)
    assert left not in applied
    assert {m: count for m, (count, _) in applied.items()} == {m: 1 for m in members if m != left}
    with psycopg.connect(libpq_url(database_url)) as conn:
        claims = conn.execute("SELECT count(*) FROM inbox").fetchone()
    assert claims is not None and claims[0] == len(members) - 1


def test_a_handler_leaving_without_commit_has_its_work_undone_and_the_rest_applied_once(
    infra: Infra, database_url: str, sessions: sessionmaker[Session], new_topic: Any
) -> None:
    topic = new_topic("batchskip", partitions=1)
    name = f"batchskip{uuid.uuid4().hex[:8]}"
    members = [uuid.uuid4() for _ in range(10)]
    undone = members[3]
    committed_hooks: list[uuid.UUID] = []

    def handle(envelope: Envelope, event: MemberRegistered) -> None:
        with SqlUnitOfWork(sessions, TABLES, "/test") as uow:
            if not claimed_and_written(uow, name, envelope, event):
                return
            if event.member_id == undone:
                return  # leaves without committing: its claim and effect are undone
            after_commit(uow.session, lambda: committed_hooks.append(event.member_id))
            uow.commit()

    consume_all_but_one(infra, database_url, topic, name, members, handle)

    assert_applied_once_but(database_url, members, undone)
    assert sorted(committed_hooks) == sorted(m for m in members if m != undone)


def test_a_handler_that_swallows_its_unit_of_works_failure_does_not_commit_its_writes(
    infra: Infra, database_url: str, sessions: sessionmaker[Session], new_topic: Any
) -> None:
    """No savepoint undoes a failed unit of work inside a batch: the batch must not commit its
    writes even when the handler catches the error and goes on."""
    topic = new_topic("batchswallow", partitions=1)
    name = f"batchswallow{uuid.uuid4().hex[:8]}"
    members = [uuid.uuid4() for _ in range(10)]
    failing = members[4]

    def handle(envelope: Envelope, event: MemberRegistered) -> None:
        try:
            with SqlUnitOfWork(sessions, TABLES, "/test") as uow:
                if not claimed_and_written(uow, name, envelope, event):
                    return
                if event.member_id == failing:
                    raise ValueError("refused after writing")
                uow.commit()
        except ValueError:
            pass  # swallowed: the claim and the effect above must not be committed

    # a batch that committed the swallowed writes would make it len(members): never n - 1
    consume_all_but_one(infra, database_url, topic, name, members, handle)

    assert_applied_once_but(database_url, members, failing)


def test_a_lone_event_is_handled_at_once_not_when_a_batch_would_be_full(
    infra: Infra, database_url: str, sessions: sessionmaker[Session], new_topic: Any
) -> None:
    topic = new_topic("batchlone", partitions=1)
    name = f"batchlone{uuid.uuid4().hex[:8]}"
    handled: dict[uuid.UUID, float] = {}
    count = counting_handler(name, sessions, lambda _: False)

    def handle(envelope: Envelope, event: MemberRegistered) -> None:
        count(envelope, event)
        handled[event.member_id] = time.monotonic()

    runner = ConsumerRunner(
        name=name, bootstrap=infra.bootstrap, topics=[topic], routes={MemberRegistered.TYPE: handle}
    )
    delays = []
    with consumer_running(runner):
        assert runner.assigned.wait(30)
        for _ in range(5):
            member = uuid.uuid4()
            sent = time.monotonic()
            publish(infra.bootstrap, topic, [member])
            deadline = sent + 10
            while member not in handled and time.monotonic() < deadline:
                time.sleep(0.005)
            delays.append(handled[member] - sent)
    # the poll waits up to 0.5 s for a first record, never for the batch to fill
    assert sorted(delays)[2] < 0.25, delays
