"""The broker side of `kafka_lag`: offsets by AdminClient, replay topics read forward.

Every request has a short timeout (a scrape waits for it); topic metadata is kept a minute.
"""

import time
from collections.abc import Sequence

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    IsolationLevel,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from hourbank_shared.dlq import REPLAYED_FROM
from hourbank_shared.kafka import base_config, header_pairs, watermarks
from hourbank_shared.kafka_lag import Partition, ReplayedBatch
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.scraped import TIMEOUT_SECONDS
from hourbank_shared.topic_reader import reader_group

METADATA_SECONDS = 60.0


class AdminOffsets:
    """`kafka_lag.BrokerOffsets` over one AdminClient, kept for the process's life."""

    def __init__(
        self,
        bootstrap: str,
        security: KafkaSecurity | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._admin = AdminClient(base_config(bootstrap, "hourbank-metrics", security))
        self._bootstrap = bootstrap
        self._security = security
        self._groups: dict[str, Consumer] = {}
        self._timeout = timeout
        self._topics: dict[str, list[int]] = {}
        self._topics_at = -METADATA_SECONDS

    def partitions(self, topics: Sequence[str]) -> dict[str, list[int]]:
        if time.monotonic() - self._topics_at >= METADATA_SECONDS:
            metadata = self._admin.list_topics(timeout=self._timeout)
            self._topics = {
                name: sorted(topic.partitions)
                for name, topic in metadata.topics.items()
                if topic.error is None
            }
            self._topics_at = time.monotonic()
        return {topic: self._topics[topic] for topic in topics if topic in self._topics}

    def committed(self, group: str, partitions: Sequence[Partition]) -> dict[Partition, int]:
        """The group's committed offsets, asked through a consumer of that group id that
        never joins it. Not the AdminClient's list_consumer_group_offsets: when the group's
        coordinator is not ready (a fresh or restarted broker answers NOT_COORDINATOR),
        librdkafka 2.x dereferences a null group handle there and the process dies with
        SIGSEGV (found by the fault campaign: every relay of a lab stack on a new broker)."""
        if not partitions:
            return {}
        answer = self._group(group).committed(
            [TopicPartition(t, p) for t, p in partitions], timeout=self._timeout
        )
        return {
            (tp.topic, tp.partition): tp.offset
            for tp in answer
            if tp.error is None and tp.offset >= 0
        }

    def _group(self, group: str) -> Consumer:
        """A consumer with the group's id, kept for the process's life: it only reads the
        group's offsets (never subscribes, so it never joins or rebalances the group)."""
        if group not in self._groups:
            self._groups[group] = Consumer(
                {
                    **base_config(self._bootstrap, "hourbank-metrics", self._security),
                    "group.id": group,
                    "enable.auto.commit": False,
                    "enable.auto.offset.store": False,
                }
            )
        return self._groups[group]

    def ends(self, partitions: Sequence[Partition]) -> dict[Partition, tuple[int, int]]:
        if not partitions:
            return {}
        starts = self._offsets(partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
        ends = self._offsets(partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
        return {partition: (starts[partition], ends[partition]) for partition in partitions}

    def _offsets(self, partitions: Sequence[Partition], spec: OffsetSpec) -> dict[Partition, int]:
        futures = self._admin.list_offsets(
            {TopicPartition(t, p): spec for t, p in partitions},
            isolation_level=IsolationLevel.READ_COMMITTED,
            request_timeout=self._timeout,
        )
        return {
            (tp.topic, tp.partition): int(future.result(self._timeout).offset)
            for tp, future in futures.items()
        }


class ReplayReader:
    """`kafka_lag.ReplayLog`: one consumer per replay topic, assigned (no group membership,
    nothing committed), reading on from where the last call stopped, for at most `budget`
    seconds per call."""

    def __init__(
        self,
        bootstrap: str,
        security: KafkaSecurity | None = None,
        budget: float = TIMEOUT_SECONDS,
    ) -> None:
        self._bootstrap = bootstrap
        self._security = security
        self._budget = budget
        self._readers: dict[str, Consumer] = {}

    def read_new(self, topic: str) -> ReplayedBatch:
        deadline = time.monotonic() + self._budget
        reader = self._reader(topic)
        if reader is None:
            return ReplayedBatch([], caught_up=True)  # no replay topic: nothing was replayed
        assigned = reader.assignment()
        ends = {tp.partition: watermarks(reader, tp, self._budget, attempts=1) for tp in assigned}
        positions: list[str] = []
        while not _reached(reader, assigned, ends):
            left = deadline - time.monotonic()
            if left <= 0:
                return ReplayedBatch(positions, caught_up=False)
            message = reader.poll(min(left, 0.2))
            if message is None:
                continue
            if message.error() is not None:
                raise KafkaException(message.error())
            positions += [v.decode() for k, v in header_pairs(message) if k == REPLAYED_FROM]
        return ReplayedBatch(positions, caught_up=True)

    def _reader(self, topic: str) -> Consumer | None:
        if topic in self._readers:
            return self._readers[topic]
        group = reader_group(topic, "metrics")
        reader = Consumer(
            {
                **base_config(self._bootstrap, group, self._security),
                "group.id": group,
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
            }
        )
        metadata = reader.list_topics(topic, timeout=self._budget).topics.get(topic)
        if metadata is None or metadata.error is not None:
            reader.close()
            return None
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.partitions])
        self._readers[topic] = reader
        return reader


def _reached(
    reader: Consumer, assigned: list[TopicPartition], ends: dict[int, tuple[int, int]]
) -> bool:
    """Whether the reader is at each partition's end as it was at the start of this call
    (an empty partition is reached at once)."""
    unread = {p: end for p, (start, end) in ends.items() if end > start}
    if not unread:
        return True
    positions = {tp.partition: tp.offset for tp in reader.position(assigned)}
    return all(positions.get(p, -1) >= end for p, end in unread.items())
