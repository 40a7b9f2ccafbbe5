"""The fault campaign's further checks (issue 19): deadlines, consumer groups, relay batches.

Each check returns `(ok, detail)` for `faults.Report.check`: a short summary when it passes,
the first five offenders when it does not. The recovery figures are `campaign_recovery`.
"""

import time
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta

from confluent_kafka import KafkaException
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from hourbank_requests.adapters import tables
from hourbank_requests.domain.lifecycle import TERMINAL
from hourbank_shared.db import make_engine
from hourbank_shared.kafka import checkpoint_topic
from hourbank_shared.kafka_access import ACCESS
from hourbank_shared.kafka_lag import Partition, Watched, consumer_lag, watched
from hourbank_shared.kafka_offsets import AdminOffsets
from hourbank_shared.relay import checkpoint
from hourbank_shared.topic_reader import read_at, read_records
from hourbank_stack.campaign_recovery import Batch
from hourbank_stack.supervisor import CONSUMER_GROUPS
from hourbank_stack.topology import SERVICES

Result = tuple[bool, str]
FAUST_GROUP = ACCESS["notifications"].group
"""Commits after the last record it handled, so it stays one short of a trailing marker."""


def overdue_requests(database_url: str, grace_seconds: float) -> Result:
    """No open request whose deadline passed more than `grace_seconds` ago by the database's
    clock: the deadline workers fired every deadline in spite of the faults."""
    c = tables.requests.c
    still_open = c.status.not_in([str(status) for status in TERMINAL])
    late = func.extract("epoch", func.now() - c.deadline_at)
    overdue = (
        select(c.id, c.status, c.deadline_kind, late)
        .where(still_open, c.deadline_at < func.now() - timedelta(seconds=grace_seconds))
        .order_by(c.deadline_at)
    )
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            rows = connection.execute(overdue).all()
            open_count = connection.execute(select(func.count()).where(still_open)).scalar()
    except SQLAlchemyError as exc:  # a failed check, not a campaign without its other checks
        return False, f"reading the requests: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    offenders = [f"{id_} {status} {kind} due {float(s):.0f}s ago" for id_, status, kind, s in rows]
    summary = f"{open_count} open requests, none past its deadline by {grace_seconds:g}s"
    return not rows, "; ".join(offenders[:5]) or summary


def stack_groups() -> list[Watched]:
    """The stack's consumer groups, each with the topics it reads (`kafka_lag.watched`)."""
    service_of = {access.group: service for service, access in ACCESS.items()}
    return [watched(service_of[group]) for group in CONSUMER_GROUPS]


def groups_caught_up(
    bootstrap: str,
    timeout: float,
    groups: Sequence[Watched] | None = None,
    marker_bound: Collection[str] = (FAUST_GROUP,),
) -> Result:
    """Every group committed the read_committed end of every partition it reads, lag as
    `kafka_lag` computes it; stragglers get up to `timeout` seconds. A group in
    `marker_bound` may stay one behind where that one is a transaction marker."""
    watches = list(groups) if groups is not None else stack_groups()
    offsets = AdminOffsets(bootstrap)
    lag = consumer_lag(offsets, watches, cache_seconds=0)
    markers: dict[tuple[str, int, int], bool] = {}
    deadline = time.monotonic() + timeout
    while True:
        families = list(lag.collect())  # none: the read failed (logged); try again
        samples = {
            (s.labels["group"], s.labels["topic"], int(s.labels["partition"])): int(s.value)
            for family in families
            for s in family.samples
        }
        read = {group for group, _, _ in samples}
        behind = [f"{w.group}: none of its topics found" for w in watches if w.group not in read]
        if not families:
            behind = ["the broker did not answer for the groups' offsets"]
        on_marker = 0
        for (group, topic, partition), count in sorted(samples.items()):
            tolerated = count == 1 and group in marker_bound
            if tolerated and _ends_on_marker(bootstrap, offsets, (topic, partition), markers):
                on_marker += 1
            elif count:
                behind.append(f"{group} {topic}[{partition}]: {count} behind")
        if not behind or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    bound = f" ({on_marker} one behind, on a transaction marker)" if on_marker else ""
    summary = f"{len(watches)} groups at the end of {len(samples)} partitions{bound}"
    return not behind, "; ".join(behind[:5]) or summary


def _ends_on_marker(
    bootstrap: str,
    offsets: AdminOffsets,
    partition: Partition,
    known: dict[tuple[str, int, int], bool],
) -> bool:
    """Whether the partition's last offset holds a transaction marker (no committed record
    there); remembered per end, since the answer holds until the end moves. A broker that
    does not answer: not known yet (False), asked again on the next round."""
    topic, number = partition
    try:
        _, end = offsets.ends([partition])[partition]
        if (topic, number, end) not in known:
            known[(topic, number, end)] = read_at(bootstrap, topic, number, end - 1) is None
    except (KafkaException, RuntimeError, TimeoutError):
        return False
    return known[(topic, number, end)]


def relay_batches_once(
    bootstrap: str,
    relays: Sequence[str] = SERVICES,
    tailed: Mapping[str, Sequence[Batch]] | None = None,
) -> Result:
    """No outbox id in two checkpoint records of one relay: no batch was published twice.
    `tailed`: the checkpoints a `campaign_recovery.Timeline` saw committed during the run.
    Without it the topics are read now; they are compacted on one key, so only what the log
    cleaner left is read (past the first offset read, it took all but one record of the
    relay's). Fails, too, when no relay has a checkpoint: then nothing was checked."""
    offenders: list[str] = []
    summary: list[str] = []
    batches = 0
    for relay in relays:
        if tailed is not None:
            records = list(tailed.get(relay, ()))
        else:
            try:
                read = read_records(bootstrap, checkpoint_topic(relay), 0, timeout=60)
            except (RuntimeError, PermissionError) as exc:
                offenders.append(f"{relay}: reading its checkpoints: {exc}")
                continue
            records = [(r.offset, checkpoint.decode(r.value)) for r in read]
        first_seen: dict[int, int] = {}
        for offset, ids in records:
            for outbox_id in ids:
                if outbox_id in first_seen:
                    offsets = f"offsets {first_seen[outbox_id]} and {offset}"
                    offenders.append(f"{relay}: outbox id {outbox_id} in the batches at {offsets}")
                else:
                    first_seen[outbox_id] = offset
        batches += len(records)
        since = f" from offset {records[0][0]}" if records else ""
        summary.append(f"{relay} {len(records)} batches, {len(first_seen)} ids{since}")
    if not batches:
        offenders.append(f"no checkpoint on the topics of {', '.join(relays)}")
    return not offenders, "; ".join(offenders[:5]) or "; ".join(summary)
