"""Consumer lag and waiting dead letters, read from the broker when Prometheus asks.

Served by each service's relay process, so a consumer that is stopped, crashed or stuck still
shows its lag growing (a consumer reporting its own lag goes silent exactly when it matters).

Lag of a partition: its end (the last stable offset, which a read_committed consumer can reach;
the high watermark when no transaction is open) minus the group's committed offset, or minus
the partition's start when the group has committed nothing there (it will read all of it).

Dead letters waiting: the records on `hourbank.dlq.<consumer>` (producers there are not
transactional, so end − start counts records) minus those already replayed. `hourbank-dlq
replay` writes each replayed letter to `hourbank.replay.<consumer>` with a
`dlq.replayed_from: <partition>:<offset>` header; the replay topic is read incrementally (only
what is new since the last scrape) and the positions it names are not counted. A letter
replayed and dead-lettered again is a new record on the dead-letter topic, so it counts again.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from hourbank_shared.kafka import dlq_topic, replay_topic
from hourbank_shared.kafka_access import ACCESS
from hourbank_shared.scraped import CACHE_SECONDS, ReadOnScrape

Partition = tuple[str, int]


class BrokerOffsets(Protocol):
    """What the gauges ask the broker (`kafka_offsets.AdminOffsets`; fakes in tests)."""

    def partitions(self, topics: Sequence[str]) -> dict[str, list[int]]:
        """The partitions of each topic that exists; missing topics are left out."""
        ...

    def committed(self, group: str, partitions: Sequence[Partition]) -> dict[Partition, int]:
        """The group's committed offsets; partitions without one are left out."""
        ...

    def ends(self, partitions: Sequence[Partition]) -> dict[Partition, tuple[int, int]]:
        """(start, end) of each partition: first offset kept, last stable offset."""
        ...


@dataclass(frozen=True)
class ReplayedBatch:
    positions: list[str]
    """`dlq.replayed_from` values (`<partition>:<offset>`) read since the last call."""
    caught_up: bool
    """Whether the replay topic was read to its end (else the next call goes on)."""


class ReplayLog(Protocol):
    """Reads a replay topic forward, a little more on every call (`kafka_offsets.ReplayReader`)."""

    def read_new(self, topic: str) -> ReplayedBatch: ...


@dataclass(frozen=True)
class Watched:
    """One consumer group, the topics it reads, and the name of its dead-letter topic."""

    group: str
    topics: tuple[str, ...]
    consumer: str


def watched(service: str) -> Watched:
    """The service's consumer group (the faust app id for notifications) from `kafka_access`."""
    access = ACCESS[service]
    return Watched(access.group, (*access.reads, replay_topic(service)), service)


def consumer_lag(
    offsets: BrokerOffsets, groups: Sequence[Watched], cache_seconds: float = CACHE_SECONDS
) -> ReadOnScrape:
    """`hourbank_consumer_lag_messages{group,topic,partition}`, read on scrape."""

    def read() -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "hourbank_consumer_lag_messages",
            "Records the group has not consumed yet (partition end minus committed offset)",
            labels=["group", "topic", "partition"],
        )
        for watch in groups:
            known = offsets.partitions(watch.topics)
            partitions = [(topic, p) for topic, numbers in known.items() for p in numbers]
            committed = offsets.committed(watch.group, partitions)
            for (topic, number), (start, end) in sorted(offsets.ends(partitions).items()):
                # below the start (retention deleted it) the group starts over at the start
                consumed_to = max(committed.get((topic, number), start), start)
                family.add_metric([watch.group, topic, str(number)], max(0, end - consumed_to))
        return [family]

    return ReadOnScrape("kafka_lag", read, cache_seconds)


@dataclass
class Replayed:
    """Per dead-letter topic, the (partition, offset) positions replayed so far; those that
    retention deleted from the dead-letter topic are forgotten."""

    positions: dict[str, set[tuple[int, int]]] = field(default_factory=dict)

    def learn(self, dlq: str, values: Iterable[str]) -> None:
        known = self.positions.setdefault(dlq, set())
        for value in values:
            partition, _, offset = value.partition(":")
            if partition.isdigit() and offset.isdigit():
                known.add((int(partition), int(offset)))

    def waiting(self, dlq: str, partition: int, start: int, end: int) -> int:
        """Records in [start, end) of the partition that were not replayed."""
        known = self.positions.setdefault(dlq, set())
        known -= {(p, o) for p, o in known if p == partition and o < start}
        replayed = sum(1 for p, o in known if p == partition and o < end)
        return max(0, end - start - replayed)


def dead_letters(
    offsets: BrokerOffsets,
    replays: ReplayLog,
    consumers: Sequence[str],
    cache_seconds: float = CACHE_SECONDS,
) -> ReadOnScrape:
    """`hourbank_dead_letters{consumer}`: dead letters not replayed yet, read on scrape."""
    replayed = Replayed()

    def read() -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "hourbank_dead_letters",
            "Dead letters waiting on hourbank.dlq.<consumer> (not replayed yet)",
            labels=["consumer"],
        )
        for consumer in consumers:
            dlq = dlq_topic(consumer)
            batch = replays.read_new(replay_topic(consumer))
            replayed.learn(dlq, batch.positions)
            if not batch.caught_up:
                continue  # a count that still includes replayed letters would be wrong
            partitions = [(dlq, p) for p in offsets.partitions([dlq]).get(dlq, [])]
            ends = offsets.ends(partitions)
            waiting = sum(replayed.waiting(dlq, p, *ends[(dlq, p)]) for _, p in partitions)
            family.add_metric([consumer], waiting)
        return [family]

    return ReadOnScrape("dead_letters", read, cache_seconds)
