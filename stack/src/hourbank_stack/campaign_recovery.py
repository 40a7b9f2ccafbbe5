"""The fault campaign's recovery figures per kind of fault (issue 19), and the timeline of
what the services published that they are measured on.

Recovery time of a fault: the Kafka timestamp of the first record that one of the services it
affected published on a public topic after the fault was healed, minus the moment it was
healed. A SIGKILL is healed the moment it is sent (the supervisor's restart is part of the
recovery); a broker or database restart when it is back. An infra fault affects all four
services, a process only its own. A service publishes through its relay, so the figure is how
long until that service's output flowed again, whichever replica produced it: with two
replicas of every process, the survivor may carry on at once. A fault after which none of its
services published before the timeline stopped is "not recovered", counted apart, never
dropped. Both moments are wall-clock epoch seconds, the record's timestamp from its producer's
(the relay's) clock: the figures assume one true clock (one machine, no relay's clock jumped)
and lifecycles flowing until the timeline stops, which must start before the first fault.

The timeline also keeps every relay checkpoint committed while it ran: the checkpoint topics
are compacted, so read at the end of a long campaign they would hold only the last batches.
"""

import bisect
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from confluent_kafka import Consumer, TopicPartition

from hourbank_shared.contracts import topics
from hourbank_shared.kafka import base_config, checkpoint_topic
from hourbank_shared.kafka_access import ACCESS
from hourbank_shared.relay import checkpoint
from hourbank_shared.topic_reader import end_offsets, reader_group
from hourbank_stack.baselines import percentile
from hourbank_stack.topology import SERVICES

Batch = tuple[int, list[int]]
"""A relay checkpoint: its offset, and the outbox ids of the batch it committed."""


@dataclass(frozen=True)
class FaultRecord:
    kind: str
    target: str
    """A process name (`escrow-consume-2`), or `kafka` or `postgresql`."""
    services: tuple[str, ...]
    """The services it stops: its process's own, or all four for infra."""
    injected_at: float
    healed_at: float
    """Epoch seconds; for a SIGKILL, injected_at."""


PUBLISHER = {topic: s for s, access in ACCESS.items() for topic in access.writes}
"""Which service publishes each topic (its relay is the only producer)."""
PUBLIC_PUBLISHERS = {topic: PUBLISHER[topic] for topic in topics.PUBLIC}


class Timeline:
    """A thread tailing topics (read_committed) from their end at `start()`, keeping per
    service the Kafka timestamps, in epoch seconds, of what it published. `publishers`: the
    topics (the public ones), each with the service that publishes it."""

    def __init__(
        self,
        bootstrap: str,
        publishers: Mapping[str, str] = PUBLIC_PUBLISHERS,
        relays: Sequence[str] = SERVICES,
    ) -> None:
        self._bootstrap = bootstrap
        self._publishers = dict(publishers)
        self._times: dict[str, list[float]] = {s: [] for s in self._publishers.values()}
        self._relay_of = {checkpoint_topic(relay): relay for relay in relays}
        self._batches: dict[str, list[Batch]] = defaultdict(list)
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: Counter[str] = Counter()
        """Errors the consumer reported and went on after (a broker away counts here)."""
        self.failure: str | None = None
        """Why the thread stopped early, if it did: its figures then end there."""

    def start(self) -> None:
        tailed = [*self._publishers, *self._relay_of]
        group = reader_group(tailed[0], "timeline")
        consumer = Consumer(
            {
                **base_config(self._bootstrap, group),
                "group.id": group,
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "log_level": 2,  # a broker away is expected here; errors are counted instead
                # a position lost while the broker was away: again from the start (a record
                # seen twice moves no first-after), never skipping any
                "auto.offset.reset": "earliest",
            }
        )
        ends = {topic: end_offsets(self._bootstrap, topic) for topic in tailed}
        consumer.assign(
            [TopicPartition(t, p, end) for t, parts in ends.items() for p, end in parts.items()]
        )
        self._thread = threading.Thread(
            target=self._run, args=(consumer,), name="timeline", daemon=True
        )
        self._thread.start()

    def _run(self, consumer: Consumer) -> None:
        try:
            while not self._halt.is_set():
                message = consumer.poll(0.5)
                if message is None:
                    continue
                error = message.error()
                if error is not None:  # librdkafka reconnects by itself; keep polling
                    self.errors[error.name()] += 1
                    continue
                topic = message.topic() or ""
                with self._lock:
                    if topic in self._relay_of:
                        ids = checkpoint.decode(message.value() or b"")
                        self._batches[self._relay_of[topic]].append((message.offset() or 0, ids))
                    else:
                        self._times[self._publishers[topic]].append(message.timestamp()[1] / 1000)
        except Exception as exc:
            self.failure = repr(exc)
        finally:
            consumer.close()

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(30)

    def seen(self) -> dict[str, list[float]]:
        """Per service, its records' timestamps so far, in order."""
        with self._lock:
            return {service: sorted(times) for service, times in self._times.items()}

    def batches(self) -> dict[str, list[Batch]]:
        """Per relay, the checkpoints committed since `start()`, in order."""
        with self._lock:
            return {relay: list(batches) for relay, batches in self._batches.items()}


class Seen(Protocol):
    """What `recovery` needs of a timeline (a Timeline, or a fake in tests)."""

    def seen(self) -> Mapping[str, Sequence[float]]: ...


@dataclass(frozen=True)
class Figures:
    """The recovery times (p50, p99, max) are seconds over the recovered faults, None when
    none recovered."""

    count: int
    recovered: int
    p50: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, count: int, times: list[float]) -> "Figures":
        if not times:
            return cls(count, 0, None, None, None)
        return cls(count, len(times), percentile(times, 50), percentile(times, 99), max(times))

    @property
    def not_recovered(self) -> int:
        return self.count - self.recovered


def faults_by_kind(faults: Sequence[FaultRecord]) -> dict[str, list[FaultRecord]]:
    kinds = sorted({fault.kind for fault in faults})
    return {kind: [fault for fault in faults if fault.kind == kind] for kind in kinds}


def recovery_time(fault: FaultRecord, seen: Mapping[str, Sequence[float]]) -> float | None:
    """Seconds from healing to the first record of an affected service; None: none came."""
    firsts = []
    for service in fault.services:
        times = seen.get(service, ())
        after = bisect.bisect_right(times, fault.healed_at)
        if after < len(times):
            firsts.append(times[after])
    return min(firsts) - fault.healed_at if firsts else None


def recovery(faults: Sequence[FaultRecord], timeline: Seen) -> dict[str, Figures]:
    """Per kind of fault, how many there were, how many recovered, and how fast."""
    seen = timeline.seen()
    figures = {}
    for kind, group in faults_by_kind(faults).items():
        times = [t for fault in group if (t := recovery_time(fault, seen)) is not None]
        figures[kind] = Figures.of(len(group), times)
    return figures


def silences(
    seen: Mapping[str, Sequence[float]], began: float, ended: float, top: int = 3
) -> dict[str, list[tuple[float, float]]]:
    """Per service, its `top` longest stretches without a record between `began` and `ended`
    (epoch seconds), longest first, as (start, seconds): where a long recovery comes from (one
    service stalled, not a fault's own cost)."""
    found = {}
    for service, times in seen.items():
        marks = [began, *(t for t in times if began <= t <= ended), ended]
        gaps = [(b - a, a) for a, b in pairwise(marks)]
        found[service] = [(start, length) for length, start in sorted(gaps, reverse=True)[:top]]
    return found


def table(figures: Mapping[str, Figures]) -> str:
    """The figures as a markdown table, one row per kind of fault."""

    def seconds(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    lines = [
        "| fault kind | faults | recovered | not recovered | p50 s | p99 s | max s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, f in figures.items():
        cells = [str(f.count), str(f.recovered), str(f.not_recovered)]
        cells += [seconds(f.p50), seconds(f.p99), seconds(f.max)]
        lines.append(f"| {kind} | {' | '.join(cells)} |")
    return "\n".join(lines)
