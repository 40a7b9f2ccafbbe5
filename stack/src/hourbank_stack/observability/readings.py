"""What `hourbank status` shows of the pipeline: read from the relays' /metrics.

Each service's relay process measures, on scrape, its consumer group's lag and its dead-letter
topic from the broker, and its own outbox from its database (docs/metrics.md), so a stopped
consumer still shows its lag. A value no process reports is None: shown as "n/a".
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from hourbank_stack.supervisor import address, stack_roles
from hourbank_stack.topology import SERVE


@dataclass
class Relay:
    active: bool | None = None
    pending: float | None = None
    oldest_seconds: float | None = None


@dataclass
class Readings:
    lag: dict[str, float] = field(default_factory=dict)
    """Per consumer group: messages behind, summed over its partitions."""
    dead_letters: dict[str, float] = field(default_factory=dict)
    """Per consumer: records waiting on hourbank.dlq.<consumer>."""
    relays: dict[str, Relay] = field(default_factory=lambda: defaultdict(Relay))
    unreachable: list[str] = field(default_factory=list)


def scrape(port: int, host: str = "127.0.0.1", timeout: float = 3.0) -> list[Sample] | None:
    try:
        response = httpx.get(f"http://{host}:{port}/metrics", timeout=timeout)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return [s for family in text_string_to_metric_families(response.text) for s in family.samples]


def read(samples: Iterable[Sample], into: Readings) -> None:
    lag: dict[str, float] = defaultdict(float)
    for sample in samples:
        labels, value = sample.labels, sample.value
        match sample.name:
            case "hourbank_consumer_lag_messages":
                lag[labels["group"]] += value
            case "hourbank_dead_letters":
                into.dead_letters[labels["consumer"]] = value
            case "hourbank_relay_active":  # of its replicas, one active is enough
                relay = into.relays[labels["relay"]]
                relay.active = bool(relay.active) or value == 1
            case "hourbank_outbox_pending":
                into.relays[labels["relay"]].pending = value
            case "hourbank_outbox_oldest_pending_age_seconds":
                into.relays[labels["relay"]].oldest_seconds = value
    into.lag.update(lag)


def readings() -> Readings:
    """From every relay process of the topology."""
    found = Readings()
    for role in stack_roles():
        if role.command not in ("relay", SERVE):
            continue
        samples = scrape(role.metrics_port, address(role.name))
        if samples is None:
            found.unreachable.append(role.name)
        else:
            read(samples, found)
    return found


def lines(found: Readings, groups: tuple[str, ...], services: tuple[str, ...]) -> list[str]:
    def show(value: float | None, unit: str = "") -> str:
        return "n/a" if value is None else f"{value:g}{unit}"

    out = ["  consumer groups    lag (messages)   dead letters waiting"]
    for group, consumer in zip(groups, services, strict=True):
        lag, dead = found.lag.get(group), found.dead_letters.get(consumer)
        out.append(f"    {group:<22} {show(lag):<16} {show(dead)}")
    out.append("  relays             state     outbox pending   oldest pending")
    for service in services:
        relay = found.relays.get(service, Relay())
        state = {True: "active", False: "standby", None: "n/a"}[relay.active]
        oldest = "n/a" if relay.oldest_seconds is None else f"{relay.oldest_seconds:.1f} s"
        out.append(f"    {service:<18} {state:<9} {show(relay.pending):<16} {oldest}")
    if found.unreachable:
        out.append(f"  (no /metrics from {', '.join(found.unreachable)}: their values are n/a)")
    return out
