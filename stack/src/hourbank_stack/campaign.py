"""The fault campaign's schedule and its execution: which fault hits what, when, for how long.

A schedule is a pure function of the seed, the counts per kind, the window and the processes
the stack runs (`schedule`): the same inputs give the same faults at the same moments on the
same processes. It is written to JSON before the first fault, and `hourbank faults --replay
FILE` runs that file again exactly, so a failing campaign becomes a regression test
(docs/faults.md).

Two faults never overlap on one target: a process is not frozen while it is cut off, and the
broker and the database each take one fault at a time, each fault followed by a quiet gap on
its target, so each recovery can be measured on its own. Network kinds need `hourbank up
--lab` (each process in a network namespace); the clock jump needs the lab's libfaketime on
the deadline workers.
"""

import asyncio
import json
import random
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from hourbank_stack import fault_kinds, netlab
from hourbank_stack.campaign_recovery import FaultRecord
from hourbank_stack.supervisor import listening, placements, read_state, stack_roles
from hourbank_stack.topology import SERVICES


@dataclass(frozen=True)
class Kind:
    seconds: float
    """How long the fault lasts before it is healed (0: a single blow)."""
    targets: str
    """"process": any service process; "lab": one in a network namespace; "deadlines": a
    deadline worker; "kafka" / "postgresql": the broker / the database."""
    gap: float = 5.0
    """Quiet seconds on the target after it heals, before its next fault."""


KINDS: dict[str, Kind] = {
    "kill": Kind(0, "process", gap=3),
    "freeze": Kind(15, "process"),  # past the consumers' 10 s session timeout
    "cut-kafka": Kind(12, "lab"),
    "cut-postgres": Kind(12, "lab"),
    "lossy-network": Kind(15, "lab"),
    "clock-jump": Kind(20, "deadlines"),
    "slow-broker": Kind(6, "kafka"),
    "broker-disk-full": Kind(6, "kafka", gap=8),
    "restart-broker": Kind(0, "kafka", gap=8),
    "restart-postgres": Kind(0, "postgresql", gap=8),
}
"""Every kind of fault the campaign injects, with its duration and what it may hit."""

PRESETS: dict[str, dict[str, int]] = {
    "short": dict.fromkeys(KINDS, 20),
    "long": {
        "kill": 450,
        "freeze": 110,
        "cut-kafka": 105,
        "cut-postgres": 105,
        "lossy-network": 105,
        "clock-jump": 90,
        "slow-broker": 25,
        "broker-disk-full": 10,
        "restart-broker": 10,
        "restart-postgres": 30,
    },
}
"""`hourbank faults --faults short` (CI: at least 20 of every kind) or `long` (1,040 scheduled,
so that at least 1,000 are injected when a few find their process still starting again)."""

INFRA = ("kafka", "postgresql")
LOSS_PERCENT, RATE_KBIT = 20.0, 512
BROKER_CPU_PERCENT = 5
CLOCK_JUMP_SECONDS = 3 * 3600.0


@dataclass(frozen=True)
class Fault:
    at: float
    """Seconds after the campaign's start."""
    kind: str
    target: str
    """A process name (`escrow-consume-2`), "kafka" or "postgresql"."""
    seconds: float


def parse_counts(text: str) -> dict[str, int]:
    """`kill=400,freeze=100,…` → counts per kind; an unknown kind is an error."""
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        if kind not in KINDS or not value.isdigit():
            raise ValueError(f"{part!r}: expected <kind>=N with kind one of {', '.join(KINDS)}")
        counts[kind] = int(value)
    return counts


def targets(kind: str, processes: list[str], lab: bool) -> list[str]:
    """What a fault of `kind` may hit among the stack's processes."""
    where = KINDS[kind].targets
    if where in INFRA:
        return [where]
    if where == "lab" and not lab:
        return []
    if where == "deadlines":
        return [p for p in processes if "-deadlines" in p] if lab else []
    return list(processes)


def schedule(
    counts: dict[str, int], window: float, processes: list[str], lab: bool, seed: int
) -> list[Fault]:
    """The faults, sorted by time: each kind's count at random moments in the window, each on
    a target free at that moment (moved later, a second at a time, until one is)."""
    rng = random.Random(seed)
    free_at: dict[str, float] = {}
    planned: list[Fault] = []
    wanted = [
        (rng.uniform(1.0, window), kind)
        for kind in sorted(counts)
        for _ in range(counts[kind])
        if targets(kind, processes, lab)
    ]
    for moment, kind in sorted(wanted):
        spec, eligible = KINDS[kind], targets(kind, processes, lab)
        at = moment
        while True:
            free = [t for t in eligible if free_at.get(t, 0.0) <= at]
            if free:
                break
            at += 1.0
        target = rng.choice(free)
        free_at[target] = at + spec.seconds + spec.gap
        planned.append(Fault(round(at, 3), kind, target, spec.seconds))
    return sorted(planned, key=lambda f: (f.at, f.kind, f.target))


def save(path: Path, faults: list[Fault], meta: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**meta, "faults": [asdict(f) for f in faults]}, indent=1))


def load(path: Path) -> tuple[list[Fault], dict[str, object]]:
    data = json.loads(path.read_text())
    faults = [Fault(**f) for f in data.pop("faults")]
    return faults, data


def service_of(target: str) -> tuple[str, ...]:
    """The services whose saga steps a fault on `target` stops: its own, or all four."""
    return SERVICES if target in INFRA else (target.split("-", 1)[0],)


Log = Callable[[str], None]


@dataclass
class Executor:
    """Runs a schedule against the running stack and records each fault for the recovery
    figures."""

    infra: str
    log: Log
    records: list[FaultRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Faults not injected because their process was not serving (it was starting again)."""
    errors: list[str] = field(default_factory=list)
    """Faults that could not be injected or healed: the campaign fails on them."""
    _turns: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def run(self, faults: list[Fault], began: float) -> None:
        await asyncio.gather(*(self._one(f, began) for f in faults))

    async def _one(self, fault: Fault, began: float) -> None:
        await asyncio.sleep(max(0.0, began + fault.at - time.monotonic()))
        # the schedule leaves a gap after each fault, but a broker restart may outlast it: the
        # next fault on the same target waits until this one has healed
        async with self._turns.setdefault(fault.target, asyncio.Lock()):
            await self._inject(fault)

    async def _inject(self, fault: Fault) -> None:
        handler = _HANDLERS[fault.kind]
        injected = time.time()
        try:
            heal = await handler(self, fault)
            if heal is not None:
                await asyncio.sleep(fault.seconds)
                detail = await heal()
                self.log(f"healed {fault.kind} on {fault.target}{': ' + detail if detail else ''}")
        except _Skip as skip:
            self.skipped.append(f"{fault.kind} {fault.target}: {skip}")
            self.log(f"skip {fault.kind} on {fault.target}: {skip}")
            return
        except Exception as exc:
            self.errors.append(f"{fault.kind} {fault.target} at {fault.at:g}s: {exc!r}")
            self.log(f"ERROR {fault.kind} on {fault.target}: {exc!r}")
            return
        self.records.append(
            FaultRecord(fault.kind, fault.target, service_of(fault.target), injected, time.time())
        )

    async def _serving_pid(self, name: str) -> int:
        """The process's pid once it serves (its port answers), waiting up to SERVING_WAIT s
        for one the supervisor is starting again (a start under a broker restart can take
        half a minute)."""
        deadline = time.monotonic() + SERVING_WAIT
        while time.monotonic() < deadline:
            pid, port, host = _process(name)
            if pid is not None and _up(pid) and listening(port, host):
                return pid
            await asyncio.sleep(0.5)
        raise _Skip(f"not serving within {SERVING_WAIT:g} s")

    async def _infra(self, command: list[str], label: str) -> str:
        done = await asyncio.to_thread(
            subprocess.run, [self.infra, *command], capture_output=True, text=True
        )
        return f"{label} back (exit code {done.returncode})"


SERVING_WAIT = 60.0


class _Skip(Exception):
    pass


Heal = Callable[[], Awaitable[str]]


async def _kill(ex: Executor, fault: Fault) -> Heal | None:
    pid = await ex._serving_pid(fault.target)
    psutil.Process(pid).kill()
    ex.log(f"SIGKILL {fault.target} (pid {pid})")
    return None


async def _freeze(ex: Executor, fault: Fault) -> Heal | None:
    pid = await ex._serving_pid(fault.target)
    fault_kinds.freeze(pid)
    ex.log(f"SIGSTOP {fault.target} (pid {pid}) for {fault.seconds:g} s")

    async def heal() -> str:
        fault_kinds.thaw(pid)
        return f"SIGCONT pid {pid}"

    return heal


def _network(
    change: Callable[[netlab.Placement], None], what: str
) -> Callable[[Executor, Fault], Awaitable[Heal | None]]:
    async def inject(ex: Executor, fault: Fault) -> Heal | None:
        placement = placements().get(fault.target)
        if placement is None:
            raise _Skip("not in the lab")
        await asyncio.to_thread(change, placement)
        ex.log(f"{what} {fault.target} for {fault.seconds:g} s")

        async def heal() -> str:
            await asyncio.to_thread(netlab.heal, placement)
            return ""

        return heal

    return inject


async def _clock(ex: Executor, fault: Fault) -> Heal | None:
    await ex._serving_pid(fault.target)
    fault_kinds.jump_clock(fault.target, CLOCK_JUMP_SECONDS)
    ex.log(f"clock of {fault.target} +{CLOCK_JUMP_SECONDS / 3600:g} h for {fault.seconds:g} s")

    async def heal() -> str:
        fault_kinds.reset_clock(fault.target)
        return "clock back"

    return heal


async def _slow_broker(ex: Executor, fault: Fault) -> Heal | None:
    await asyncio.to_thread(fault_kinds.throttle_broker, BROKER_CPU_PERCENT)
    ex.log(f"broker throttled to {BROKER_CPU_PERCENT} % of a core for {fault.seconds:g} s")

    async def heal() -> str:
        await asyncio.to_thread(fault_kinds.unthrottle_broker)
        return ""

    return heal


async def _disk_full(ex: Executor, fault: Fault) -> Heal | None:
    await asyncio.to_thread(fault_kinds.fill_broker_disk)
    ex.log(f"broker's log directory full for {fault.seconds:g} s")

    async def heal() -> str:
        return str(await asyncio.to_thread(fault_kinds.free_broker_disk))

    return heal


async def _restart(ex: Executor, fault: Fault) -> Heal | None:
    if fault.target == "postgresql":
        ex.log("restarting PostgreSQL")
        ex.log(await ex._infra(["restart", "pg"], "PostgreSQL"))
        return None
    # A crash, not a graceful stop: the broker's controlled shutdown takes 30 s here, and a
    # broker that dies is the harder case for transactions and fencing.
    pid = fault_kinds.broker_pid()
    if pid is None:
        raise _Skip("no broker running")
    broker = psutil.Process(pid)
    broker.kill()
    await asyncio.to_thread(broker.wait, 30)
    ex.log(f"SIGKILL Kafka broker (pid {pid}); starting it again")
    ex.log(await ex._infra(["up", "kafka"], "Kafka broker"))
    return None


_HANDLERS: dict[str, Callable[[Executor, Fault], Awaitable[Heal | None]]] = {
    "kill": _kill,
    "freeze": _freeze,
    "cut-kafka": _network(lambda p: netlab.cut(p, "kafka"), "cut from Kafka:"),
    "cut-postgres": _network(lambda p: netlab.cut(p, "postgres"), "cut from PostgreSQL:"),
    "lossy-network": _network(
        lambda p: netlab.degrade(p, LOSS_PERCENT, RATE_KBIT),
        f"{LOSS_PERCENT:g} % loss, {RATE_KBIT} kbit/s:",
    ),
    "clock-jump": _clock,
    "slow-broker": _slow_broker,
    "broker-disk-full": _disk_full,
    "restart-broker": _restart,
    "restart-postgres": _restart,
}
assert set(_HANDLERS) == set(KINDS)

MIN_UPTIME = 2.0


def _up(pid: int) -> bool:
    """Alive for MIN_UPTIME, and neither a zombie the supervisor has yet to reap nor stopped."""
    try:
        process = psutil.Process(pid)
        up = time.time() - process.create_time()
        status = process.status()
        return status not in (psutil.STATUS_ZOMBIE, psutil.STATUS_STOPPED) and up >= MIN_UPTIME
    except psutil.Error:
        return False


def _process(name: str) -> tuple[int | None, int, str]:
    """The process's pid (None if unknown), port and host, from the supervisor's state."""
    state = read_state() or {}
    processes = state.get("processes", {})
    assert isinstance(processes, dict)
    entry = processes.get(name, {})
    pid = entry.get("pid")
    return (
        pid if isinstance(pid, int) else None,
        int(entry.get("port", 0)),
        str(entry.get("host", "127.0.0.1")),
    )


def process_names() -> list[str]:
    """The service processes the running stack runs (the gateway is not a target)."""
    return [r.name for r in stack_roles()]
