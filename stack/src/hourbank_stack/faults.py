"""`hourbank faults`: SIGKILL service processes, restart the broker and the database, while
lifecycles are in flight; then check that nothing was lost or doubled.

The supervisor starts every killed process again (as Kubernetes would); clients retry with
their Idempotency-Key. Checked afterwards: every lifecycle reached its expected status,
reconciliation is clean, no event id appears twice on any topic (read_committed), each
request's events and ledger effects happened exactly once, balances moved exactly, and every
notification exists exactly once.
"""

import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psutil

from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.startup import built_or_exit
from hourbank_shared.topic_reader import end_offsets, read_all
from hourbank_stack.lifecycle import KINDS, Api, Member, Outcome, Pair, lifecycle
from hourbank_stack.supervisor import listening, read_state, stack_roles

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
    """Seconds over which the kills are spread; 0: twice the submission window."""
    restart_kafka: bool = True
    restart_pg: bool = True
    seed: int = 0


@dataclass
class Report:
    events: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def log(self, began: float, what: str) -> None:
        line = f"  t+{time.monotonic() - began:6.1f}s  {what}"
        self.events.append(line)
        print(line, flush=True)

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, ok, detail))
        print(f"  {'✓' if ok else '✗'} {name}{': ' + detail if detail else ''}", flush=True)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)


async def run(plan: Plan, base_url: str, secret: str, env: dict[str, str], infra: str) -> Report:
    report = Report()
    rng = random.Random(plan.seed)
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    since = {topic: end_offsets(bootstrap, topic) for topic in PUBLIC_TOPICS}
    # Patient clients: with the broker down a minute and processes dying every second, a step
    # may wait minutes; late is not lost, and the checks below tell which is which.
    api = Api(base_url, secret, patience=900)
    admin = api.member(admin=True)
    print(f"▸ {plan.lifecycles} pairs of members", flush=True)
    pairs = await asyncio.gather(*(api.pair(admin) for _ in range(plan.lifecycles)))
    kinds = [KINDS[n % len(KINDS)] for n in range(plan.lifecycles)]
    duration = plan.lifecycles / plan.rate
    print(f"▸ {plan.lifecycles} lifecycles over {duration:.0f}s, with faults:", flush=True)
    began = time.monotonic()

    async def start(n: int) -> Outcome:
        await asyncio.sleep(n / plan.rate)
        return await lifecycle(api, pairs[n], kinds[n])

    work = asyncio.gather(*(start(n) for n in range(plan.lifecycles)))
    await chaos(plan, rng, report, began, duration, infra)
    outcomes = await work
    report.log(began, "every lifecycle finished; checking")
    await check(api, admin, list(pairs), outcomes, report, bootstrap, since)
    await api.close()
    return report


async def chaos(
    plan: Plan, rng: random.Random, report: Report, began: float, duration: float, infra: str
) -> None:
    """Kills spread over the window (by default twice the submission window) while, beside
    them, the broker restarts at a third of the submissions and the database at two thirds.
    Only a process that is serving (its port answers) is killed: one killed again while still
    starting would test nothing but the supervisor's backoff."""
    window = plan.window or 2 * duration
    moments = sorted(rng.uniform(0.5, window) for _ in range(plan.kills))

    async def at(moment: float) -> None:
        await asyncio.sleep(max(0.0, began + moment - time.monotonic()))

    async def kills() -> None:
        for moment in moments:
            await at(moment)
            running = [
                (r.name, pid)
                for r in stack_roles()
                if (pid := _pid(r.name)) is not None and _running(pid) and listening(r.port)
            ]
            if not running:
                report.log(began, "skip: every process is starting again")
                continue
            name, pid = rng.choice(running)
            subprocess.run(["kill", "-KILL", str(pid)], check=False)
            report.log(began, f"SIGKILL {name} (pid {pid})")

    async def restarts() -> None:
        for moment, what, label in _restarts(plan, duration):
            await at(moment)
            report.log(began, f"restarting {label}")
            done = await asyncio.to_thread(
                subprocess.run, [infra, "restart", what], capture_output=True, text=True
            )
            report.log(began, f"{label} back (exit code {done.returncode})")

    await asyncio.gather(kills(), restarts())


def _restarts(plan: Plan, duration: float) -> list[tuple[float, str, str]]:
    planned = []
    if plan.restart_kafka:
        planned.append((duration / 3, "kafka", "Kafka broker"))
    if plan.restart_pg:
        planned.append((2 * duration / 3, "pg", "PostgreSQL"))
    return planned


MIN_UPTIME = 2.0


def _running(pid: int) -> bool:
    """Alive for MIN_UPTIME, and not a zombie the supervisor has yet to reap."""
    try:
        process = psutil.Process(pid)
        up = time.time() - process.create_time()
        return process.status() != psutil.STATUS_ZOMBIE and up >= MIN_UPTIME
    except psutil.Error:
        return False


def _pid(name: str) -> int | None:
    state = read_state() or {}
    processes = state.get("processes", {})
    assert isinstance(processes, dict)
    pid = processes.get(name, {}).get("pid")
    return pid if isinstance(pid, int) else None


async def check(
    api: Api,
    admin: Member,
    pairs: list[Pair],
    outcomes: list[Outcome],
    report: Report,
    bootstrap: str,
    since: dict[str, dict[int, int]],
) -> None:
    wrong = [f"{o.kind} {o.request_id}: {o.status or o.error}" for o in outcomes if not o.ok]
    statuses = Counter(o.status for o in outcomes)
    report.check(
        "every lifecycle reached its expected status",
        not wrong,
        "; ".join(wrong[:5]) or ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())),
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
    print("\nKilled and restarted:")
    print("\n".join(report.events))
    print(f"\nfault injection {'PASSED' if report.ok else 'FAILED'}")
    if not report.ok:
        sys.exit(1)
