"""`hourbank load`: complete request lifecycles through the gateway at a fixed or rising rate.

Open loop: lifecycles start on a schedule whatever the system's pace; each runs on its own pair
of members (both parties act), so many run at once. A lifecycle whose submission the system
sheds at the door (503 with Retry-After) is counted as refused, apart from failures, and not
retried. Per rate it reports completed and refused lifecycles per second, the latency of each
saga step, errors, CPU and memory per process, and what one lifecycle costs in database commits
and Kafka records. Beside it, in the same run: pgbench on the same PostgreSQL and the broker's
produce → consume latency. Writes JSON and a PNG chart.
"""

import asyncio
import json
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hourbank_stack import baselines
from hourbank_stack.lifecycle import STEPS, Api, Outcome, Pair, lifecycle
from hourbank_stack.processes import Sampler
from hourbank_stack.supervisor import CONSUMER_GROUPS

WARMUP_SHARE = 1 / 3
"""Throughput counts completions after this share of each rate's time (the pipeline filling)."""


@dataclass
class RateResult:
    offered: float
    seconds: float
    started: int = 0
    completed: int = 0
    refused: int = 0
    """Submissions shed at the door (503 with Retry-After): the system protecting itself,
    not a failure; an open loop does not retry them."""
    failed: int = 0
    dropped: int = 0
    """Lifecycles not started: every pair was still busy (the client's own saturation)."""
    throughput: float = 0.0
    refused_per_s: float = 0.0
    retry_after_s: dict[str, float] = field(default_factory=dict)
    """What the refusals asked for: min, p50, max."""
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    commits_per_lifecycle: float = 0.0
    core_seconds_per_lifecycle: float = 0.0
    """CPU of the whole system (services, gateway, Kafka, PostgreSQL; not the load generator)
    over the rate's window, per lifecycle completed: mean cores busy ÷ completed per second."""
    kafka_records_per_lifecycle: float = 0.0
    http_calls_per_lifecycle: float = 0.0
    drain_seconds: float = 0.0
    """How long after the last lifecycle ended the consumers took to read everything (the
    notifications worker is the slowest); the cost figures are counted after it."""
    processes: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def saturated(self) -> bool:
        p99 = self.latency_ms.get(STEPS[0], {}).get("p99", 0.0)
        started = max(self.started, 1)
        return (
            self.throughput < 0.85 * self.offered
            or self.dropped > 0.05 * (started + self.dropped)
            or self.failed > 0.02 * started
            or self.refused > 0.02 * started
            or p99 > 2000
        )


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ms = [v * 1000 for v in values]
    return {
        "p50": baselines.percentile(ms, 50),
        "p95": baselines.percentile(ms, 95),
        "p99": baselines.percentile(ms, 99),
        "max": max(ms),
        "n": float(len(ms)),
    }


LOAD_GENERATOR = "load-generator"
"""The sampler's name for this process (`processes.stack_processes`)."""


class Load:
    def __init__(self, api: Api, pairs: list[Pair], env: dict[str, str], sampler: Sampler):
        self.idle_commits_per_s = 0.0
        """Commits the idle system makes anyway (relays and workers polling): not a cost of
        the lifecycles, so subtracted."""
        self.api = api
        self.free: asyncio.Queue[Pair] = asyncio.Queue()
        for pair in pairs:
            self.free.put_nowait(pair)
        self.env = env
        self.sampler = sampler

    async def at_rate(self, rate: float, seconds: float) -> RateResult:
        result = RateResult(rate, seconds)
        commits = baselines.database_commits(self.env["DATABASE_URL"])
        records = baselines.kafka_records(self.env["KAFKA_BOOTSTRAP_SERVERS"])
        calls, retries = self.api.calls, Counter(self.api.retries)
        outcomes: list[Outcome] = []
        tasks: list[asyncio.Task[None]] = []

        async def one(pair: Pair) -> None:
            try:
                outcomes.append(await lifecycle(self.api, pair))
            finally:
                self.free.put_nowait(pair)

        self.sampler.reset()
        begin = counted_from = time.monotonic()
        n = 0
        while (now := time.monotonic()) < begin + seconds:
            due = begin + n / rate
            if due > now:
                await asyncio.sleep(due - now)
            n += 1
            try:
                pair = self.free.get_nowait()
            except asyncio.QueueEmpty:
                result.dropped += 1
            else:
                tasks.append(asyncio.create_task(one(pair)))
            _progress(rate, time.monotonic() - begin, seconds, len(tasks), outcomes)
        window_end = time.monotonic()
        result.processes = self.sampler.summary()
        if tasks:
            await asyncio.wait(tasks, timeout=120)
        print(file=sys.stderr)
        result.started = len(tasks)
        result.completed = sum(o.ok for o in outcomes)
        refusals = [o.refused_for for o in outcomes if o.refused_for is not None]
        result.refused = len(refusals)
        result.refused_per_s = result.refused / seconds
        result.retry_after_s = _spread(refusals)
        result.failed = len(tasks) - result.completed - result.refused
        warmup = seconds * WARMUP_SHARE
        in_window = [o for o in outcomes if o.ok and begin + warmup <= o.finished <= window_end]
        result.throughput = len(in_window) / max(window_end - begin - warmup, 0.001)
        result.latency_ms = {
            s: percentiles([o.timings[s] for o in outcomes if s in o.timings]) for s in STEPS
        }
        result.errors = dict(Counter(o.error.split(":")[0] for o in outcomes if o.error))
        result.retries = dict(Counter(self.api.retries) - retries)
        done = max(len(outcomes), 1)
        # every consumer caught up (or patience out) before counting the cost
        result.drain_seconds = await drain(self.env["KAFKA_BOOTSTRAP_SERVERS"])
        idle = self.idle_commits_per_s * (time.monotonic() - counted_from)
        net_commits = baselines.database_commits(self.env["DATABASE_URL"]) - commits - idle
        records = baselines.kafka_records(self.env["KAFKA_BOOTSTRAP_SERVERS"]) - records
        result.commits_per_lifecycle = net_commits / done
        result.core_seconds_per_lifecycle = system_cores(result.processes) / max(
            result.throughput, 0.001
        )
        result.kafka_records_per_lifecycle = records / done
        result.http_calls_per_lifecycle = (self.api.calls - calls) / done
        return result


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"min": min(values), "p50": baselines.percentile(values, 50), "max": max(values)}


def system_cores(processes: dict[str, dict[str, float]]) -> float:
    """Mean cores the system kept busy (100 % = one core), the load generator left out."""
    return sum(p["cpu_pct"] for name, p in processes.items() if name != LOAD_GENERATOR) / 100


def _progress(
    rate: float, elapsed: float, seconds: float, started: int, done: list[Outcome]
) -> None:
    width = 24
    filled = int(width * min(elapsed / seconds, 1.0))
    refused = sum(o.refused_for is not None for o in done)
    failed = sum(not o.ok for o in done) - refused
    print(
        f"\r  {rate:6.1f}/s [{'#' * filled}{'.' * (width - filled)}] {elapsed:5.1f}/{seconds:.0f}s"
        f"  started {started:5d}  done {len(done):5d}  refused {refused:4d}  failed {failed:3d}",
        end="",
        file=sys.stderr,
        flush=True,
    )


async def make_pairs(api: Api, count: int, budget: str) -> list[Pair]:
    admin = api.member(admin=True)
    gate = asyncio.Semaphore(32)

    async def one() -> Pair:
        async with gate:
            return await api.pair(admin, top_up=budget)

    return list(await asyncio.gather(*(one() for _ in range(count))))


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


CAUGHT_UP = 60
"""Records a group may trail by and count as caught up: a trailing transaction marker on each
partition it reads."""


async def drain(bootstrap: str, patience: float = 180.0) -> float:
    """Seconds until no consumer group is behind by more than a marker per partition."""
    began = time.monotonic()
    while True:
        lags = await asyncio.to_thread(baselines.consumer_lag, bootstrap, CONSUMER_GROUPS)
        behind = {g: n for g, n in lags.items() if n > CAUGHT_UP}
        if not behind or time.monotonic() - began > patience:
            if behind:
                print(f"  (still behind after {patience:.0f}s: {behind})", file=sys.stderr)
            return time.monotonic() - began
        await asyncio.sleep(1.0)


async def idle_commit_rate(admin_url: str, window: float = 5.0) -> float:
    """The commits/s the system makes with no load (relays and workers polling); measured
    after `drain`, so no consumer is still working off an earlier run."""
    begin = baselines.database_commits(admin_url)
    await asyncio.sleep(window)
    return (baselines.database_commits(admin_url) - begin) / window


async def run(args: Any, env: dict[str, str], base_url: str, secret: str) -> dict[str, Any]:
    baselines.kafka_settings_or_exit()
    report: dict[str, Any] = {"machine": machine(), "settings": vars(args) | {"base_url": base_url}}
    print("▸ waiting for every consumer to catch up", file=sys.stderr)
    await drain(env["KAFKA_BOOTSTRAP_SERVERS"])
    print("▸ baselines: broker produce→consume, pgbench", file=sys.stderr)
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    broker = baselines.broker_latency(bootstrap, args.broker_messages, 200.0)
    report["baselines"] = {
        "broker_ms": percentiles([m / 1000 for m in broker]),
        "pgbench": baselines.pgbench(env["DATABASE_URL"], seconds=args.pgbench_seconds),
    }
    report["baselines"]["idle_commits_per_s"] = await idle_commit_rate(env["DATABASE_URL"])
    api = Api(base_url, secret, patience=120, connections=args.connections, shed_is_final=True)
    print(f"▸ {args.pairs} pairs of members (each requester topped up)", file=sys.stderr)
    pairs = await make_pairs(api, args.pairs, "10000")
    # Registering the pairs leaves work behind (welcome bonuses, notifications): let it drain
    # so the first rate measures lifecycles only.
    await asyncio.sleep(args.settle)
    sampler = Sampler.for_stack()
    sampler.start()
    load = Load(api, pairs, env, sampler)
    load.idle_commits_per_s = report["baselines"]["idle_commits_per_s"]
    report["rates"] = []
    try:
        for rate in args.rates:
            print(f"▸ {rate}/s for {args.seconds:.0f}s", file=sys.stderr)
            result = await load.at_rate(rate, args.seconds)
            report["rates"].append(asdict(result) | {"saturated": result.saturated})
            _print_result(result)
            if args.ramp and result.saturated:
                print("  saturated: stopping the ramp", file=sys.stderr)
                break
    finally:
        sampler.stop()
        await api.close()
    return report


def _print_result(r: RateResult) -> None:
    lat = "  ".join(
        f"{s}: p50 {v['p50']:.0f} p95 {v['p95']:.0f} p99 {v['p99']:.0f} ms"
        for s, v in r.latency_ms.items()
        if v
    )
    shed = (
        f"refused {r.refused} ({r.refused_per_s:.1f}/s, Retry-After "
        f"{r.retry_after_s['min']:g}–{r.retry_after_s['max']:g} s)"
        if r.refused
        else "refused 0"
    )
    print(
        f"  offered {r.offered:.1f}/s → completed {r.throughput:.1f}/s "
        f"(started {r.started}, {shed}, failed {r.failed}, dropped {r.dropped})\n  {lat}\n"
        f"  per lifecycle: {r.core_seconds_per_lifecycle:.3f} core-s, "
        f"{r.commits_per_lifecycle:.1f} commits, "
        f"{r.kafka_records_per_lifecycle:.1f} Kafka records, "
        f"{r.http_calls_per_lifecycle:.1f} HTTP calls; consumers caught up "
        f"{r.drain_seconds:.0f}s after the last lifecycle",
        file=sys.stderr,
    )


def write(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(report, indent=2, default=str))
    chart(report, out / "load.png")
    print(f"▸ wrote {out / 'load.json'} and {out / 'load.png'}", file=sys.stderr)


def chart(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = report["rates"]
    offered = [r["offered"] for r in rates]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.plot(offered, [r["throughput"] for r in rates], "o-", label="completed")
    refused = [r.get("refused_per_s", 0.0) for r in rates]
    if any(refused):
        left.plot(offered, refused, "s:", label="refused at the door")
    left.plot(offered, offered, "--", color="grey", label="offered")
    left.set(xlabel="offered lifecycles/s", ylabel="completed lifecycles/s", title="Throughput")
    left.legend()
    for step in STEPS:
        for pct, style in (("p50", "o-"), ("p99", "x--")):
            values = [r["latency_ms"].get(step, {}).get(pct, float("nan")) for r in rates]
            right.plot(offered, values, style, label=f"{step} {pct}")
    right.set(xlabel="offered lifecycles/s", ylabel="ms", title="Saga step latency", yscale="log")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
