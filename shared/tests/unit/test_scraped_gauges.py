"""Gauges read on scrape: lag and waiting dead letters from broker offsets (fakes of our own
ports), cached, and a failed read counted instead of failing the scrape."""

from collections.abc import Sequence

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from hourbank_shared.kafka_lag import (
    Partition,
    ReplayedBatch,
    Watched,
    consumer_lag,
    dead_letters,
    watched,
)
from hourbank_shared.scraped import ReadOnScrape


class FakeBroker:
    def __init__(self) -> None:
        self.topics: dict[str, list[int]] = {}
        self.commits: dict[tuple[str, Partition], int] = {}
        self.offsets: dict[Partition, tuple[int, int]] = {}

    def partitions(self, topics: Sequence[str]) -> dict[str, list[int]]:
        return {t: self.topics[t] for t in topics if t in self.topics}

    def committed(self, group: str, partitions: Sequence[Partition]) -> dict[Partition, int]:
        return {p: self.commits[(group, p)] for p in partitions if (group, p) in self.commits}

    def ends(self, partitions: Sequence[Partition]) -> dict[Partition, tuple[int, int]]:
        return {p: self.offsets[p] for p in partitions}


class FakeReplays:
    def __init__(self) -> None:
        self.batches: list[ReplayedBatch] = []

    def read_new(self, topic: str) -> ReplayedBatch:
        return self.batches.pop(0) if self.batches else ReplayedBatch([], caught_up=True)


def samples(collector: ReadOnScrape) -> dict[tuple[str, ...], float]:
    return {
        tuple(sample.labels.values()): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def test_lag_is_end_minus_committed_or_the_whole_partition_when_nothing_is_committed() -> None:
    broker = FakeBroker()
    broker.topics = {"hourbank.requests": [0, 1, 2]}
    broker.offsets = {("hourbank.requests", p): (10, 50) for p in (0, 1, 2)}
    broker.commits = {
        ("escrow", ("hourbank.requests", 0)): 45,
        ("escrow", ("hourbank.requests", 1)): 3,
    }
    lag = consumer_lag(
        broker, [Watched("escrow", ("hourbank.requests", "missing.topic"), "escrow")]
    )

    assert samples(lag) == {
        ("escrow", "hourbank.requests", "0"): 5,
        ("escrow", "hourbank.requests", "1"): 40,  # committed below the start: reads from 10
        ("escrow", "hourbank.requests", "2"): 40,  # nothing committed
    }


def test_a_service_watches_its_groups_topics_and_replay_topic() -> None:
    notifications = watched("notifications")
    assert notifications.group == "hourbank-notifications"
    assert "hourbank.replay.notifications" in notifications.topics
    assert watched("escrow").topics[-1] == "hourbank.replay.escrow"


def test_dead_letters_waiting_leave_out_those_replayed() -> None:
    broker, replays = FakeBroker(), FakeReplays()
    broker.topics = {"hourbank.dlq.escrow": [0]}
    broker.offsets = {("hourbank.dlq.escrow", 0): (0, 4)}
    letters = dead_letters(broker, replays, ["escrow"], cache_seconds=0)
    assert samples(letters) == {("escrow",): 4}

    replays.batches = [ReplayedBatch(["0:1", "0:3", "0:3", "junk"], caught_up=True)]
    assert samples(letters) == {("escrow",): 2}

    broker.offsets = {("hourbank.dlq.escrow", 0): (2, 6)}  # retention took 0 and 1; 2 more came
    assert samples(letters) == {("escrow",): 3}


def test_dead_letters_are_left_out_until_the_replay_topic_was_read_to_its_end() -> None:
    broker, replays = FakeBroker(), FakeReplays()
    broker.topics = {"hourbank.dlq.escrow": [0]}
    broker.offsets = {("hourbank.dlq.escrow", 0): (0, 4)}
    letters = dead_letters(broker, replays, ["escrow"], cache_seconds=0)
    replays.batches = [ReplayedBatch(["0:0"], caught_up=False), ReplayedBatch(["0:2"], True)]
    assert samples(letters) == {}
    assert samples(letters) == {("escrow",): 2}


def test_a_scrape_within_the_cache_interval_reads_nothing() -> None:
    reads, now = [], [0.0]

    def read() -> list[GaugeMetricFamily]:
        reads.append(now[0])
        family = GaugeMetricFamily("test_cached", "read on scrape")
        family.add_metric([], len(reads))
        return [family]

    cached = ReadOnScrape("test_cached", read, cache_seconds=5, clock=lambda: now[0])
    assert samples(cached) == samples(cached) == {(): 1}
    now[0] += 5
    assert samples(cached) == {(): 2}
    assert reads == [0.0, 5.0]


def test_a_failed_read_is_counted_and_the_scrape_still_answers() -> None:
    def read() -> list[GaugeMetricFamily]:
        raise TimeoutError("the broker did not answer within 2 s")

    failing = ReadOnScrape("test_failing", read)
    registry = CollectorRegistry()
    registry.register(failing)
    before = REGISTRY.get_sample_value(
        "hourbank_metrics_scrape_errors_total", {"source": "test_failing"}
    )
    assert generate_latest(registry) == b""
    after = REGISTRY.get_sample_value(
        "hourbank_metrics_scrape_errors_total", {"source": "test_failing"}
    )
    assert (before, after) == (0.0, 1.0)
