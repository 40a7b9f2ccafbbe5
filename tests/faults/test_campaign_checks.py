"""The fault campaign's further checks against the real broker and database: each finds what
it is there to find (an overdue request, a group left behind, a batch published twice) and
passes once it is gone; the timeline sees what is published after it starts."""

import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from sqlalchemy import func, insert

from hourbank_requests.adapters import tables
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.db import make_engine
from hourbank_shared.kafka import checkpoint_spec, checkpoint_topic, ensure_topics, watermarks
from hourbank_shared.kafka_lag import Watched
from hourbank_shared.migrations import upgrade
from hourbank_shared.relay import checkpoint
from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.plugin import TopicMaker
from hourbank_stack.campaign_checks import groups_caught_up, overdue_requests, relay_batches_once
from hourbank_stack.campaign_recovery import Timeline

pytestmark = pytest.mark.integration
REQUESTS_ALEMBIC = Path(__file__).parents[2] / "services" / "requests" / "alembic.ini"


def a_request(status: RequestStatus, due_seconds_ago: float) -> dict[str, object]:
    """A request row whose deadline fell due that long ago by the database's clock."""
    return {
        "id": uuid.uuid4(),
        "requester_id": uuid.uuid4(),
        "provider_id": uuid.uuid4(),
        "offering_id": uuid.uuid4(),
        "offering_title": "Weeding",
        "status": str(status),
        "message": "hi",
        "response_window_hours": 24,
        "hours": Decimal("1.00"),
        "rate": Decimal("1.00"),
        "amount": Decimal("1.00"),
        "deadline_kind": "RESPONSE",
        "deadline_at": func.now() - timedelta(seconds=due_seconds_ago),
    }


def test_overdue_requests_finds_an_open_request_past_its_deadline(database_url: str) -> None:
    ok, detail = overdue_requests(database_url, 60)  # no tables yet: a failed check
    assert (ok, detail) == (
        False,
        'reading the requests: (psycopg.errors.UndefinedTable) relation "requests" does not exist',
    )
    upgrade(REQUESTS_ALEMBIC, database_url, quiet=True)
    assert overdue_requests(database_url, 60) == (
        True,
        "0 open requests, none past its deadline by 60s",
    )
    overdue = a_request(RequestStatus.AWAITING_RESPONSE, 600)
    rows = [
        overdue,
        a_request(RequestStatus.NEGOTIATING, 10),  # within the grace
        a_request(RequestStatus.PAID, 600),  # terminal: its deadline no longer matters
        {**a_request(RequestStatus.IN_PROGRESS, 0), "deadline_kind": None, "deadline_at": None},
    ]
    engine = make_engine(database_url, pool_size=1)
    with engine.begin() as connection:
        for row in rows:
            connection.execute(insert(tables.requests).values(**row))
    engine.dispose()

    ok, detail = overdue_requests(database_url, 60)
    assert not ok
    # the only one, 600 s late (and a second, should the clock turn meanwhile)
    assert re.fullmatch(f"{overdue['id']} AWAITING_RESPONSE RESPONSE due 60[01]s ago", detail)
    assert overdue_requests(database_url, 3600) == (
        True,
        "3 open requests, none past its deadline by 3600s",
    )


def transactional_batches(bootstrap: str, topic: str, batches: int, partitions: int) -> None:
    """As the relays publish: each batch in a transaction, leaving a marker behind it."""
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": topic})
    producer.init_transactions(30)
    for n in range(batches):
        producer.begin_transaction()
        for partition in range(partitions):
            producer.produce(topic, f"record {n}".encode(), partition=partition)
        producer.commit_transaction(30)
    markers_written(bootstrap, topic, {p: 2 * batches for p in range(partitions)})


def markers_written(bootstrap: str, topic: str, wanted: dict[int, int]) -> None:
    """Until the read_committed end is past the last marker: the coordinator writes the
    markers after `commit_transaction` returned."""
    deadline = time.monotonic() + 30
    while (found := ends(bootstrap, topic, len(wanted))) != wanted:
        assert time.monotonic() < deadline, f"{topic} ends at {found}, not {wanted}"
        time.sleep(0.1)


def commit(bootstrap: str, group: str, topic: str, offsets: dict[int, int]) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        positions = [TopicPartition(topic, p, offset) for p, offset in offsets.items()]
        consumer.commit(offsets=positions, asynchronous=False)
    finally:
        consumer.close()


def ends(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    """The read_committed end (last stable offset) of each partition."""
    group = f"{topic}-ends"
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": group, "isolation.level": "read_committed"}
    )
    try:
        return {p: watermarks(consumer, TopicPartition(topic, p))[1] for p in range(partitions)}
    finally:
        consumer.close()


def test_groups_caught_up_waits_for_a_group_left_behind(
    infra: Infra, new_topic: TopicMaker
) -> None:
    topic = new_topic("caughtup", partitions=2)
    transactional_batches(infra.bootstrap, topic, 3, partitions=2)  # 3 records, 3 markers
    group = f"caughtup{uuid.uuid4().hex[:8]}"
    watched = [Watched(group, (topic,), group)]

    ok, detail = groups_caught_up(infra.bootstrap, 2, watched)
    assert not ok
    assert detail == f"{group} {topic}[0]: 6 behind; {group} {topic}[1]: 6 behind"

    commit(infra.bootstrap, group, topic, {0: 6, 1: 2})
    ok, detail = groups_caught_up(infra.bootstrap, 2, watched)
    assert (ok, detail) == (False, f"{group} {topic}[1]: 4 behind")

    # a straggler catching up while the check waits
    late = threading.Timer(3.0, commit, (infra.bootstrap, group, topic, {1: 6}))
    late.start()
    began = time.monotonic()
    assert groups_caught_up(infra.bootstrap, 60, watched) == (
        True,
        "1 groups at the end of 2 partitions",
    )
    late.join()
    assert time.monotonic() - began >= 3.0


def test_a_faust_like_group_may_stay_one_behind_only_on_a_transaction_marker(
    infra: Infra, new_topic: TopicMaker
) -> None:
    transactional = new_topic("marker", partitions=1)
    transactional_batches(infra.bootstrap, transactional, 2, partitions=1)
    plain = new_topic("plain", partitions=1)
    producer = Producer({"bootstrap.servers": infra.bootstrap})
    for n in range(4):
        producer.produce(plain, f"record {n}".encode(), partition=0)
    producer.flush(10)
    group = f"faustlike{uuid.uuid4().hex[:8]}"
    # committed after the last record handled: one short of the end on both topics
    commit(infra.bootstrap, group, transactional, {0: 3})  # records 0, 2; markers 1, 3
    commit(infra.bootstrap, group, plain, {0: 3})  # record 3 not consumed
    watched = [Watched(group, (transactional, plain), group)]

    ok, detail = groups_caught_up(infra.bootstrap, 1, watched, marker_bound={group})
    assert (ok, detail) == (False, f"{group} {plain}[0]: 1 behind")
    ok, detail = groups_caught_up(infra.bootstrap, 1, watched, marker_bound=())
    assert not ok
    assert f"{group} {transactional}[0]: 1 behind" in detail

    commit(infra.bootstrap, group, plain, {0: 4})
    assert groups_caught_up(infra.bootstrap, 1, watched, marker_bound={group}) == (
        True,
        "1 groups at the end of 2 partitions (1 one behind, on a transaction marker)",
    )


def test_relay_batches_once_finds_an_outbox_id_in_two_checkpoints(infra: Infra) -> None:
    relay = f"campaign{uuid.uuid4().hex[:8]}"
    ensure_topics(infra.bootstrap, [checkpoint_spec(relay)])
    assert relay_batches_once(infra.bootstrap, [relay]) == (
        False,
        f"no checkpoint on the topics of {relay}",  # nothing checked is not a pass
    )
    producer = Producer({"bootstrap.servers": infra.bootstrap, "transactional.id": relay})
    producer.init_transactions(30)

    def batch(ids: list[int], end: Callable[[float], None]) -> None:
        producer.begin_transaction()
        producer.produce(checkpoint_topic(relay), checkpoint.encode(relay, ids), key=relay)
        producer.flush(30)  # on the broker, even if aborted
        end(30)

    batch([1, 2, 3], producer.commit_transaction)
    batch([4, 5], producer.commit_transaction)
    batch([5, 6], producer.abort_transaction)  # never committed: not a batch published
    markers_written(infra.bootstrap, checkpoint_topic(relay), {0: 6})  # 3 records, 3 markers
    assert relay_batches_once(infra.bootstrap, [relay]) == (
        True,
        f"{relay} 2 batches, 5 ids from offset 0",
    )

    batch([3, 6], producer.commit_transaction)  # the first batch's id 3 published again
    markers_written(infra.bootstrap, checkpoint_topic(relay), {0: 8})
    ok, detail = relay_batches_once(infra.bootstrap, [relay])
    assert not ok
    assert detail.startswith(f"{relay}: outbox id 3 in the batches at offsets 0 and ")


def test_the_timeline_keeps_the_checkpoints_a_compacted_topic_would_lose(infra: Infra) -> None:
    """A long campaign's checkpoints are compacted away before the end: the timeline keeps
    those committed while it ran, and the check reads them."""
    relay = f"campaign{uuid.uuid4().hex[:8]}"
    ensure_topics(infra.bootstrap, [checkpoint_spec(relay)])
    producer = Producer({"bootstrap.servers": infra.bootstrap, "transactional.id": relay})
    producer.init_transactions(30)

    def batch(ids: list[int]) -> None:
        producer.begin_transaction()
        producer.produce(checkpoint_topic(relay), checkpoint.encode(relay, ids), key=relay)
        producer.commit_transaction(30)

    batch([1, 2])  # before the start: not the timeline's
    markers_written(infra.bootstrap, checkpoint_topic(relay), {0: 2})
    timeline = Timeline(infra.bootstrap, {}, relays=[relay])
    timeline.start()
    try:
        batch([3, 4])
        batch([4, 5])  # 4 again: a batch published twice
        deadline = time.monotonic() + 30
        while len(timeline.batches().get(relay, [])) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        timeline.stop()
    assert [ids for _, ids in timeline.batches()[relay]] == [[3, 4], [4, 5]]
    ok, detail = relay_batches_once(infra.bootstrap, [relay], tailed=timeline.batches())
    assert not ok
    assert detail == f"{relay}: outbox id 4 in the batches at offsets 2 and 4"


def test_the_timeline_keeps_what_each_service_publishes_after_it_starts(
    infra: Infra, new_topic: TopicMaker
) -> None:
    escrow, ledger, disputes = (new_topic(stem, partitions=2) for stem in ("es", "le", "di"))
    producer = Producer({"bootstrap.servers": infra.bootstrap, "transactional.id": escrow})
    producer.init_transactions(30)

    def publish(topic: str, timestamps_ms: list[int], keep: bool = True) -> None:
        producer.begin_transaction()
        for n, at in enumerate(timestamps_ms):
            producer.produce(topic, b"event", partition=n % 2, timestamp=at)
        producer.flush(30)  # on the broker, even if aborted
        (producer.commit_transaction if keep else producer.abort_transaction)(30)

    publish(escrow, [1_000])  # before the start: not on the timeline
    markers_written(infra.bootstrap, escrow, {0: 2, 1: 0})  # else it is, once committed
    timeline = Timeline(infra.bootstrap, {escrow: "escrow", ledger: "escrow", disputes: "x"})
    timeline.start()
    try:
        publish(escrow, [5_000, 2_500])
        publish(ledger, [3_000])
        publish(disputes, [7_000], keep=False)  # aborted: never published
        publish(disputes, [4_000])
        deadline = time.monotonic() + 30
        while sum(map(len, timeline.seen().values())) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # anything more would show up now
    finally:
        timeline.stop()
    assert timeline.seen() == {"escrow": [2.5, 3.0, 5.0], "x": [4.0]}
    assert timeline.failure is None
