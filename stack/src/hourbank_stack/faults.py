"""`hourbank faults`: a campaign of faults (campaign.KINDS: SIGKILL, SIGSTOP, a process cut off
from Kafka or PostgreSQL, a lossy slow network, a clock jump, a throttled or full broker,
broker and database restarts) while lifecycles are in flight; then check that nothing was lost
or doubled, and measure how long each kind of fault stopped the saga.

The supervisor starts every killed process again (as Kubernetes would); clients retry with
their Idempotency-Key. Checked afterwards: every lifecycle reached its expected status,
reconciliation is clean, no event id appears twice on any topic (read_committed), each
request's events and ledger effects happened exactly once, balances moved exactly, every
notification exists exactly once, no request is left non-terminal past its deadline, every
consumer group caught up, and no relay batch was published twice.
"""

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.startup import built_or_exit
from hourbank_shared.topic_reader import end_offsets, read_all
from hourbank_stack.campaign import Executor, Fault, process_names, schedule
from hourbank_stack.campaign import load as load_schedule
from hourbank_stack.campaign import save as save_schedule
from hourbank_stack.campaign_checks import groups_caught_up, overdue_requests, relay_batches_once
from hourbank_stack.campaign_recovery import Timeline, faults_by_kind, recovery, silences, table
from hourbank_stack.lifecycle import KINDS, Api, Member, Outcome, Pair, lifecycle
from hourbank_stack.supervisor import in_lab, read_state, state_dir

PUBLIC_TOPICS = tuple(
    f"hourbank.{name}.v1"
    for name in ("members", "requests", "escrow", "ledger", "disputes", "notifications")
)
WELCOME = Decimal("3.00")


@dataclass
class Plan:
    lifecycles: int = 24
    kills: int = 12
    rate: float = 2.0
    """Lifecycles started per second."""
    window: float = 0.0
    """Seconds over which the faults are spread; 0: twice the submission window."""
    restart_kafka: bool = True
    restart_pg: bool = True
    seed: int = 0
    faults: dict[str, int] | None = None
    """Faults per kind (campaign.KINDS); None: `kills` SIGKILLs and the two restarts."""
    replay: Path | None = None
    """A schedule written by an earlier run, run again exactly (its faults, lifecycles, rate)."""
    schedule_out: Path | None = None

    def counts(self) -> dict[str, int]:
        if self.faults is not None:
            return self.faults
        return {
            "kill": self.kills,
            "restart-broker": int(self.restart_kafka),
            "restart-postgres": int(self.restart_pg),
        }


@dataclass
class Report:
    events: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    """The campaign's figures: faults by kind, recovery per kind, lifecycles by outcome."""

    def log(self, began: float, what: str) -> None:
        line = f"  t+{time.monotonic() - began:6.1f}s  {what}"
        self.events.append(line)
        print(line, flush=True)

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, ok, detail))
        print(f"  {'✓' if ok else '✗'} {name}{': ' + detail if detail else ''}", flush=True)

    def figure(self, text: str) -> None:
        self.figures.append(text)
        print(text, flush=True)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)


async def run(plan: Plan, base_url: str, secret: str, env: dict[str, str], infra: str) -> Report:
    report = Report()
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    faults, meta = _schedule(plan)
    lifecycles, rate = int(str(meta["lifecycles"])), float(str(meta["rate"]))
    since = {topic: end_offsets(bootstrap, topic) for topic in PUBLIC_TOPICS}
    # Patient clients: with the broker down a minute and processes dying every second, a step
    # may wait minutes; late is not lost, and the checks below tell which is which.
    api = Api(base_url, secret, patience=900)
    admin = api.member(admin=True)
    print(f"▸ {lifecycles} pairs of members", flush=True)
    pairs = await _pairs(api, admin, lifecycles)
    print(f"▸ lifecycles at {rate:g}/s, at least {lifecycles}, until the {len(faults)} faults end:")
    timeline = Timeline(bootstrap)
    timeline.start()
    began = time.monotonic()
    executor = Executor(infra, lambda line: report.log(began, line))
    chaos = asyncio.create_task(executor.run(faults, began))
    outcomes = await _lifecycles(api, admin, pairs, lifecycles, rate, began, chaos)
    await chaos
    report.log(began, "every lifecycle finished; checking")
    await check(api, admin, list(pairs), outcomes, report, bootstrap, since)
    timeline.stop()
    report.check(
        "every fault injected and healed",
        not executor.errors,
        "; ".join(executor.errors[:5])
        or f"{len(executor.records)} faults, {len(executor.skipped)} skipped (not serving)",
    )
    await asyncio.to_thread(_campaign_checks, env, bootstrap, report, timeline)
    _figures(report, executor, timeline, outcomes, began)
    await api.close()
    return report


PAIRS_AT_ONCE = 40
"""Members are registered this many pairs at a time: a thousand at once would only queue
behind the escrow consumer until the first ones time out."""


async def _pairs(api: Api, admin: Member, count: int) -> list[Pair]:
    gate = asyncio.Semaphore(PAIRS_AT_ONCE)

    async def one() -> Pair:
        async with gate:
            return await api.pair(admin)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def _lifecycles(
    api: Api,
    admin: Member,
    pairs: list[Pair],
    at_least: int,
    rate: float,
    began: float,
    chaos: "asyncio.Task[None]",
) -> list[Outcome]:
    """Lifecycles started at `rate` until at least `at_least` started and every fault has
    healed, so every fault has traffic to stop and to measure its recovery on; the pairs they
    run on are made as needed (and appended to `pairs`, for the checks)."""
    started: list[asyncio.Task[Outcome]] = []
    n = 0
    while n < at_least or not chaos.done():
        await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
        if n == len(pairs):
            pairs.append(await api.pair(admin))
        started.append(
            asyncio.create_task(lifecycle(api, pairs[n], KINDS[n % len(KINDS)], admin=admin))
        )
        n += 1
    return list(await asyncio.gather(*started))


def _schedule(plan: Plan) -> tuple[list[Fault], dict[str, object]]:
    """The plan's schedule, or the replayed one; written beside the logs before any fault."""
    if plan.replay is not None:
        faults, meta = load_schedule(plan.replay)
        print(f"▸ replaying {plan.replay}: {len(faults)} faults (seed {meta.get('seed')})")
        return faults, meta
    window = plan.window or 2 * plan.lifecycles / plan.rate
    lab = in_lab()
    faults = schedule(plan.counts(), window, process_names(), lab, plan.seed)
    written: dict[str, object] = {
        "seed": plan.seed,
        "lifecycles": plan.lifecycles,
        "rate": plan.rate,
        "window": window,
        "lab": lab,
        "processes": process_names(),
    }
    out = plan.schedule_out or state_dir() / f"faults-schedule-{plan.seed}.json"
    save_schedule(out, faults, written)
    print(f"▸ schedule written to {out} (replay: hourbank faults --replay {out})", flush=True)
    return faults, written


def _campaign_checks(
    env: dict[str, str], bootstrap: str, report: Report, timeline: Timeline
) -> None:
    """What issue 19 added to the seven: deadlines, consumer groups, relay batches."""
    ok, detail = overdue_requests(env["HOURBANK_REQUESTS_DATABASE_URL"], OVERDUE_GRACE_SECONDS)
    report.check("no request left in a non-terminal status past its deadline", ok, detail)
    ok, detail = groups_caught_up(bootstrap, timeout=120)
    report.check("every consumer group caught up", ok, detail)
    ok, detail = relay_batches_once(bootstrap, tailed=timeline.batches())
    report.check("no relay batch published twice (checkpoints)", ok, detail)


OVERDUE_GRACE_SECONDS = 30.0


def _figures(
    report: Report,
    executor: Executor,
    timeline: Timeline,
    outcomes: list[Outcome],
    began: float,
) -> None:
    report.figure("\nFaults by kind:")
    for kind, records in faults_by_kind(executor.records).items():
        report.figure(f"  {kind:<18} {len(records)}")
    if executor.skipped:
        report.figure(f"  skipped: {len(executor.skipped)} ({'; '.join(executor.skipped[:5])})")
    report.figure("\nRecovery after each kind (until the affected services' events move again):")
    report.figure(table(recovery(executor.records, timeline)))
    report.figure("\nLongest stretches without a public event, per service (start: t+, seconds):")
    epoch_began = time.time() - (time.monotonic() - began)
    for service, gaps in silences(timeline.seen(), epoch_began, time.time()).items():
        shown = ", ".join(f"t+{start - epoch_began:.0f}s {length:.0f} s" for start, length in gaps)
        report.figure(f"  {service:<14} {shown}")
    report.figure("\nLifecycles by outcome:")
    by_outcome = Counter(
        f"{o.kind} → refused at the door for the client's whole patience"
        if o.refused_for is not None
        else f"{o.kind} → EXPIRED before escrow answered (refunded)"
        if o.unanswered
        else f"{o.kind} → {o.status or 'error'}{' (expected)' if o.ok else ' (UNEXPECTED)'}"
        for o in outcomes
    )
    for outcome, count in sorted(by_outcome.items()):
        report.figure(f"  {outcome:<40} {count}")


async def check(
    api: Api,
    admin: Member,
    pairs: list[Pair],
    outcomes: list[Outcome],
    report: Report,
    bootstrap: str,
    since: dict[str, dict[int, int]],
) -> None:
    refused = [o for o in outcomes if o.refused_for is not None]
    unanswered = [o for o in outcomes if o.unanswered]
    wrong = [
        f"{o.kind} {o.request_id}: {o.status or o.error}"
        for o in outcomes
        if not o.ok and o.refused_for is None and not o.unanswered
    ]
    statuses = Counter(o.status for o in outcomes if o.refused_for is None and not o.unanswered)
    door = f"; {len(refused)} refused at the door all along (nothing held)" if refused else ""
    if unanswered:
        door += (
            f"; {len(unanswered)} EXPIRED before escrow answered (an outage past the requests "
            "service's escrow-answer deadline; refunded)"
        )
    report.check(
        "every lifecycle let in reached its expected status",
        not wrong,
        "; ".join(wrong[:5]) or ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + door,
    )
    await _settled_balances(api, pairs, report)
    reconciliation = await api.call(admin, "GET", "/v1/ledger/reconciliation")
    report.check(
        "reconciliation clean",
        bool(reconciliation["ok"]),
        f"{reconciliation['transactions']} transactions, violations {reconciliation['violations']}",
    )
    await _ledger_once(api, pairs, report)
    await _notifications_once(api, pairs, report)
    requests = {o.request_id for o in outcomes if o.request_id}
    await asyncio.to_thread(_events_once, bootstrap, since, requests, report)


async def _settled_balances(api: Api, pairs: list[Pair], report: Report) -> None:
    """Each pair's hours moved exactly by what its lifecycle paid; nothing left in escrow.
    The last events may still be on their way: one minute in all for every account to agree."""
    deadline = time.monotonic() + 60
    wrong: list[str] = []
    while True:
        wrong = []
        for pair in pairs:
            for member, expected in (
                (pair.requester, WELCOME - pair.expected_delta),
                (pair.provider, WELCOME + pair.expected_delta),
            ):
                account = await api.call(member, "GET", "/v1/accounts/me")
                got = (Decimal(account["total"]), Decimal(account["escrowed"]))
                if got != (expected, Decimal("0.00")):
                    wrong.append(f"{member.id}: total/escrowed {got}, expected {expected}/0.00")
        if not wrong or time.monotonic() > deadline:
            break
        await asyncio.sleep(1.0)
    report.check("balances moved exactly once", not wrong, "; ".join(wrong[:5]))


async def _ledger_once(api: Api, pairs: list[Pair], report: Report) -> None:
    doubled = []
    count = 0
    for pair in pairs:
        for member in (pair.requester, pair.provider):
            page = await api.call(member, "GET", "/v1/accounts/me/transactions?limit=100")
            effects = Counter((t["type"], t["request_id"]) for t in page["items"])
            count += sum(effects.values())
            doubled += [f"{member.id}: {k} ×{n}" for k, n in effects.items() if n > 1]
    report.check(
        "every ledger effect exactly once",
        not doubled,
        "; ".join(doubled[:5]) or f"{count} entries",
    )


async def _notifications_once(api: Api, pairs: list[Pair], report: Report) -> None:
    doubled, missing, count = [], [], 0
    await asyncio.sleep(2)  # the last notifications trail the last event
    for pair in pairs:
        for member in (pair.requester, pair.provider):
            page = await api.call(member, "GET", "/v1/notifications?limit=100")
            notes = Counter((n["type"], n["related_id"]) for n in page["items"])
            count += sum(notes.values())
            doubled += [f"{member.id}: {k} ×{n}" for k, n in notes.items() if n > 1]
            if not any(kind == "WELCOME_BONUS" for kind, _ in notes):
                missing.append(f"{member.id}: no WELCOME_BONUS")
    report.check(
        "every notification exactly once",
        not doubled and not missing,
        "; ".join((doubled + missing)[:5]) or f"{count} notifications",
    )


def _events_once(
    bootstrap: str, since: dict[str, dict[int, int]], requests: set[str], report: Report
) -> None:
    ids: Counter[str] = Counter()
    per_request: Counter[tuple[str, str]] = Counter()
    for topic in PUBLIC_TOPICS:
        for _key, value, _headers in read_all(bootstrap, topic, 0, timeout=60, since=since[topic]):
            event: dict[str, Any] = json.loads(value)
            ids[event["id"]] += 1
            if event.get("subject") in requests:
                per_request[(event["subject"], event["type"])] += 1
    repeated = [i for i, n in ids.items() if n > 1]
    report.check(
        "no event id twice on any topic (read_committed)",
        not repeated,
        ", ".join(repeated[:5]) or f"{sum(ids.values())} events on {len(PUBLIC_TOPICS)} topics",
    )
    twice = [f"{r} {t} ×{n}" for (r, t), n in per_request.items() if n > 1]
    report.check(
        "each request's events happened once",
        not twice and bool(per_request),
        "; ".join(twice[:5]) or f"{len(per_request)} (request, type) pairs",
    )


def main(plan: Plan, base_url: str, secret: str, env: dict[str, str], infra: str) -> None:
    state = read_state()
    if not state or not state.get("ready"):
        raise SystemExit("hourbank faults: the system is not running (`make start` first)")
    built_or_exit(KafkaSecurity)  # its topic readers: a wrong Kafka setup said before any kill
    report = asyncio.run(run(plan, base_url, secret, env, infra))
    print("\nFaults:")
    print("\n".join(report.events))
    print("\n".join(report.figures))
    print(f"\nfault injection {'PASSED' if report.ok else 'FAILED'}")
    if not report.ok:
        sys.exit(1)
