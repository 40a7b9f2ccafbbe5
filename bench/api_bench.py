"""Requests API benchmark: CPU of the API process per HTTP call, by call of the lifecycle.

Prints figures; asserts nothing. Starts one `hourbank-requests api` on a database of its own
(created and dropped here; Kafka is not needed), registers members and offerings through it,
then drives N of each call a lifecycle makes: submit, the client's polling GET, accept, start,
confirm-start, complete, confirm-completion (every POST with an Idempotency-Key, as the load
generator sends them). Escrow's answers (hold → AWAITING_RESPONSE) are applied by this process
with the requests service's own reaction, as its consumer would, so the API process does only
what it does in the stack. CPU is the API process's user + system time (psutil) over a phase;
each run is a fresh process, warmed up first.

`--baseline DIR` runs another tree's code (DIR/shared/src and DIR/services/requests/src, e.g.
an older commit's files copied there) run for run with this tree's, alternating which goes
first: on a shared machine only such pairs of runs compare.

A last, short pass starts the API under `count-statements`, which counts the statements,
pool checkouts (one idle for more than 0.2 s pings the server first: `hourbank_shared.db`),
commits and rollbacks of the process with SQLAlchemy event hooks.

Needs PostgreSQL (`eval "$(infra/hb-infra env)"`). Example:
    uv run python bench/api_bench.py --pairs 300 --runs 3
    mkdir -p /tmp/b && git archive HEAD shared/src services/requests/src | tar -x -C /tmp/b
    uv run python bench/api_bench.py --runs 6 --baseline /tmp/b
"""

import argparse
import asyncio
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp
import psutil
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from hourbank_requests import __main__ as requests_main
from hourbank_requests.bootstrap import bootstrap
from hourbank_requests.domain import reactions
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_requests.handlers import Context, react
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.contracts.escrow import EscrowHeld
from hourbank_shared.envelope import Envelope
from hourbank_shared.testing.infra import fresh_database, provide

PORT = 18101
BASE_URL = f"http://127.0.0.1:{PORT}"
LIFECYCLE_COMMANDS = (
    "submit",
    "accept",
    "start",
    "confirm-start",
    "complete",
    "confirm-completion",
)
COUNTED = ("statements", "checkouts", "commits", "rollbacks")
POLLS_PER_LIFECYCLE = 5
"""GET /v1/requests/{id} calls per lifecycle: Session 6 counted ~11 calls, 6 of them commands."""


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    token: str


@dataclass
class Pair:
    requester: Member
    provider: Member
    offering_id: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class Call:
    who: Member
    method: str
    path: str
    body: Any = None


@dataclass
class Phase:
    name: str
    calls: int
    cpu_seconds: float
    system_seconds: float
    """Of `cpu_seconds`, in the kernel (sockets, futexes of thread hand-offs)."""
    wall_seconds: float
    counted: dict[str, float] = field(default_factory=dict)
    """Per call, from a `count-statements` process: statements, checkouts, commits, rollbacks."""
    errors: dict[int, int] = field(default_factory=dict)

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.cpu_seconds / self.calls if self.calls else math.nan

    @property
    def per_second(self) -> float:
        return self.calls / self.wall_seconds if self.wall_seconds else math.nan


def member(secret: str) -> Member:
    member_id = uuid.uuid4()
    return Member(member_id, dev_token(member_id, secret))


class Driver:
    """Sends calls `concurrency` at a time and measures the API process around them."""

    def __init__(self, base_url: str, process: psutil.Process, concurrency: int):
        self.base_url = base_url
        self.process = process
        self.concurrency = concurrency
        self.counter: StatementCounter | None = None

    async def phase(self, name: str, calls: list[Call]) -> tuple[Phase, list[Any]]:
        queue = list(enumerate(calls))
        results: list[Any] = [None] * len(calls)
        errors: dict[int, int] = {}
        async with aiohttp.ClientSession(
            base_url=self.base_url,
            connector=aiohttp.TCPConnector(limit=self.concurrency),
            timeout=aiohttp.ClientTimeout(total=60),
        ) as http:

            async def worker() -> None:
                while queue:
                    index, call = queue.pop()
                    headers = {"Authorization": f"Bearer {call.who.token}"}
                    if call.method == "POST":
                        headers["Idempotency-Key"] = str(uuid.uuid4())
                    async with http.request(
                        call.method, call.path, json=call.body, headers=headers
                    ) as response:
                        content = await response.read()
                    if response.status >= 400:
                        errors[response.status] = errors.get(response.status, 0) + 1
                    results[index] = json.loads(content) if content else None

            counted = self.counter.read() if self.counter else {}
            cpu, system = self._cpu()
            began = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
            wall = time.perf_counter() - began
            cpu_after, system_after = self._cpu()
        measured = Phase(
            name, len(calls), cpu_after - cpu, system_after - system, wall, errors=errors
        )
        if self.counter is not None:
            after = self.counter.read()
            measured.counted = {k: (after[k] - counted[k]) / len(calls) for k in COUNTED}
        return measured, results

    def _cpu(self) -> tuple[float, float]:
        times = self.process.cpu_times()
        return times.user + times.system, times.system


class StatementCounter:
    """Reads the counts a `count-statements` API process writes when sent SIGUSR1."""

    def __init__(self, pid: int, path: Path) -> None:
        self.pid = pid
        self.path = path
        self._asked = 0

    def read(self) -> dict[str, int]:
        self._asked += 1
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                report = json.loads(self.path.read_text())
            except (OSError, ValueError):
                report = {}
            if report.get("asked") == self._asked:
                return {name: int(report[name]) for name in COUNTED}
            time.sleep(0.01)
        raise TimeoutError("the API process did not report its statement count")


async def lifecycle_phases(driver: Driver, pairs: list[Pair]) -> list[Phase]:
    """Members and offerings, then each call of a lifecycle for every pair."""
    phases = []
    registrations = [
        Call(m, "POST", "/v1/members", {"display_name": "Bench"})
        for pair in pairs
        for m in (pair.requester, pair.provider)
    ]
    phases.append((await driver.phase("register member", registrations))[0])
    offering = {"title": "Bench", "category": "bench", "rate": "1.00", "response_window_hours": 72}
    measured, offerings = await driver.phase(
        "create offering", [Call(p.provider, "POST", "/v1/offerings", offering) for p in pairs]
    )
    phases.append(measured)
    for pair, created in zip(pairs, offerings, strict=True):
        pair.offering_id = (created or {}).get("id", "")
    pairs = [p for p in pairs if p.offering_id]  # a failed call (counted) ends its lifecycle
    submissions = [
        Call(p.requester, "POST", "/v1/requests", {"offering_id": p.offering_id, "hours": "1.00"})
        for p in pairs
    ]
    measured, submitted = await driver.phase("submit", submissions)
    phases.append(measured)
    for pair, request in zip(pairs, submitted, strict=True):
        pair.request_id = (request or {}).get("id", "")
    pairs = [p for p in pairs if p.request_id]
    polls = [
        Call(p.requester, "GET", f"/v1/requests/{p.request_id}")
        for _ in range(POLLS_PER_LIFECYCLE)
        for p in pairs
    ]
    phases.append((await driver.phase("GET request (poll)", polls))[0])

    service = bootstrap()  # escrow's hold, answered as the requests consumer would
    for pair in pairs:
        escrow_held(service.context, uuid.UUID(pair.request_id))
    service.engine.dispose()

    steps: list[tuple[str, str, Any]] = [
        ("accept", "provider", None),
        ("start", "provider", None),
        ("confirm-start", "requester", None),
        ("complete", "provider", {"actual_hours": "1.00"}),
        ("confirm-completion", "requester", None),
    ]
    for action, party, body in steps:
        calls = [
            Call(getattr(p, party), "POST", f"/v1/requests/{p.request_id}/{action}", body)
            for p in pairs
        ]
        phases.append((await driver.phase(action, calls))[0])
    return phases


def escrow_held(context: Context, request_id: uuid.UUID) -> None:
    held = Envelope(
        source="/hourbank/escrow",
        type=EscrowHeld.TYPE,
        time=datetime.now(UTC),
        data={},
        correlationid=uuid.uuid4(),
    )

    def reaction(request: ServiceRequest) -> bool:
        return reactions.escrow_held(request, context.time, held.id)

    react(context, held, request_id, reaction)


def lifecycle_cpu_ms(phases: list[Phase]) -> float:
    by_name = {p.name: p for p in phases}
    commands = sum(by_name[name].cpu_ms_per_call for name in LIFECYCLE_COMMANDS)
    return commands + POLLS_PER_LIFECYCLE * by_name["GET request (poll)"].cpu_ms_per_call


def report(label: str, phases: list[Phase]) -> None:
    counted = any(p.counted for p in phases)
    print(f"\n{label}")
    header = f"  {'call':<20} {'n':>6} {'CPU ms/call':>12} {'of it sys':>10} {'calls/s':>9}"
    if counted:
        header += "".join(f" {name + '/call':>16}" for name in COUNTED)
    print(header + "  errors")
    for p in phases:
        line = (
            f"  {p.name:<20} {p.calls:>6} {p.cpu_ms_per_call:12.2f}"
            f" {1000 * p.system_seconds / p.calls:10.2f} {p.per_second:9.1f}"
        )
        if counted:
            line += "".join(f" {p.counted.get(name, 0):16.2f}" for name in COUNTED)
        print(f"{line}  {p.errors or ''}")
    print(
        f"  one lifecycle (6 commands + {POLLS_PER_LIFECYCLE} polls): "
        f"{lifecycle_cpu_ms(phases):.1f} ms of API CPU"
    )


@dataclass(frozen=True)
class Variant:
    """The code an API process runs: this tree's, or another tree's (`--baseline`)."""

    label: str
    source: Path | None = None

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        if self.source is None:
            return env
        paths = [str(self.source / "shared" / "src"), str(self.source / "services/requests/src")]
        return {**env, "PYTHONPATH": os.pathsep.join([*paths, env.get("PYTHONPATH", "")])}


@contextmanager
def api_process(
    env: dict[str, str], variant: Variant, counting: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    if counting is None:
        command = [sys.executable, "-m", "hourbank_requests", "api", "--port", str(PORT)]
    else:
        command = [sys.executable, __file__, "count-statements", str(counting)]
    log = Path(tempfile.gettempdir()) / f"api-bench-{variant.label.replace(' ', '-')}.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env=variant.environment(env), stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_ready(process)
        yield process
    finally:
        process.terminate()
        process.wait(30)


def _wait_ready(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the API did not start")


def count_statements(report_path: str) -> None:
    """Run the API with every statement and pool checkout counted; SIGUSR1 writes the counts."""
    counts = dict.fromkeys((*COUNTED, "asked"), 0)
    lock = threading.Lock()

    def counter(name: str) -> Callable[..., None]:
        def count(*_: Any) -> None:
            with lock:
                counts[name] += 1

        return count

    def write(*_: Any) -> None:
        with lock:
            counts["asked"] += 1
            snapshot = dict(counts)
        Path(report_path).write_text(json.dumps(snapshot))

    event.listen(Engine, "before_cursor_execute", counter("statements"))
    event.listen(Engine, "commit", counter("commits"))
    event.listen(Engine, "rollback", counter("rollbacks"))
    event.listen(Pool, "checkout", counter("checkouts"))
    signal.signal(signal.SIGUSR1, write)
    sys.argv = ["hourbank-requests", "api", "--port", str(PORT)]
    requests_main.main()


def environment(database_url: str, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOURBANK_REQUESTS_DATABASE_URL=database_url,
        HOURBANK_JWT_SECRET=secret,
        HOURBANK_DEV_MODE="true",
        HOURBANK_LOG_LEVEL="WARNING",
        # the backlog is still read (every 0.2 s), but never refuses the benchmark's submissions
        HOURBANK_REQUESTS_SUBMIT_BACKLOG_LIMIT="1000000",
    )
    return env


async def measure(env: dict[str, str], args: argparse.Namespace) -> None:
    variants = [Variant("this tree")]
    if args.baseline is not None:
        variants.append(Variant("baseline", args.baseline.resolve()))
    runs: dict[str, list[list[Phase]]] = {variant.label: [] for variant in variants}
    for run in range(args.runs):
        for variant in variants if run % 2 == 0 else variants[::-1]:  # alternate who goes first
            profile = args.profile_seconds if run == 0 and variant.source is None else 0
            phases = await measured_run(env, args, variant, profile)
            label = f"run {run + 1} of {args.runs}, {variant.label}: {args.pairs} pairs"
            if any(p.errors for p in phases):
                label += " (errors: left out of the spread; see the API's log in /tmp)"
            else:
                runs[variant.label].append(phases)
            report(label, phases)
    for label, measured in runs.items():
        if len(measured) > 1:
            spread(label, measured)
    if args.baseline is not None and runs["this tree"] and runs["baseline"]:
        after = median([lifecycle_cpu_ms(phases) for phases in runs["this tree"]])
        before = median([lifecycle_cpu_ms(phases) for phases in runs["baseline"]])
        print(f"\none lifecycle, medians: baseline {before:.1f} ms, this tree {after:.1f} ms")
        print(f"  ({100 * (after - before) / before:+.0f} %, {before / after:.2f}x per core)")
    for variant in variants if args.statement_pairs else []:
        phases = await counted_run(env, variant, args.statement_pairs)
        report(f"statements, {variant.label} (the CPU figures include the counting)", phases)


async def measured_run(
    env: dict[str, str], args: argparse.Namespace, variant: Variant, profile_seconds: float
) -> list[Phase]:
    """A fresh API process: warmed up, then every call of `args.pairs` lifecycles."""
    secret = env["HOURBANK_JWT_SECRET"]
    with api_process(env, variant) as process:
        driver = Driver(BASE_URL, psutil.Process(process.pid), args.concurrency)
        await lifecycle_phases(driver, _pairs(args.warmup, secret))  # unreported
        if profile_seconds:
            _profile(process.pid, profile_seconds, args.profile_output)
        return await lifecycle_phases(driver, _pairs(args.pairs, secret))


async def counted_run(env: dict[str, str], variant: Variant, pairs: int) -> list[Phase]:
    """The same calls from an API process that counts its statements."""
    secret = env["HOURBANK_JWT_SECRET"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "counts.json"
        with api_process(env, variant, path) as process:
            driver = Driver(BASE_URL, psutil.Process(process.pid), 4)
            driver.counter = StatementCounter(process.pid, path)
            await lifecycle_phases(driver, _pairs(2, secret))  # warm-up
            return await lifecycle_phases(driver, _pairs(pairs, secret))


def spread(label: str, runs: list[list[Phase]]) -> None:
    print(f"\n{label}: spread over {len(runs)} runs (min / median / max of CPU ms per call)")
    for index, name in enumerate(p.name for p in runs[0]):
        values = sorted(run[index].cpu_ms_per_call for run in runs)
        print(f"  {name:<20} {values[0]:6.2f} / {median(values):6.2f} / {values[-1]:6.2f}")
    totals = sorted(lifecycle_cpu_ms(run) for run in runs)
    print(f"  {'one lifecycle':<20} {totals[0]:6.1f} / {median(totals):6.1f} / {totals[-1]:6.1f}")


def _pairs(count: int, secret: str) -> list[Pair]:
    return [Pair(member(secret), member(secret)) for _ in range(count)]


def _profile(pid: int, seconds: float, out: Path) -> None:
    """py-spy, if installed, records the next `seconds` of the process in the background: a
    flame graph for an `.svg`, else collapsed stacks (one line per stack, with its samples).
    Only samples of the thread holding the GIL (`--gil`): where the CPU goes, not the waits."""
    kind = "flamegraph" if out.suffix == ".svg" else "raw"
    command = [
        "py-spy",
        "record",
        "--gil",
        "--rate",
        "500",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
    ]
    try:
        subprocess.Popen(
            [*command, "--format", kind, "--output", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        print("py-spy is not installed (uv pip install py-spy): no profile")
        return
    print(f"profiling {seconds:g} s of the API process into {out}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "count-statements":
        count_statements(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--pairs", type=int, default=200, help="lifecycles per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=30, help="pairs driven first, unreported")
    parser.add_argument("--concurrency", type=int, default=8, help="calls in flight")
    parser.add_argument("--statement-pairs", type=int, default=20, help="0: no counting pass")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another tree (with shared/src and services/requests/src) whose API runs "
        "alternately with this tree's, run for run",
    )
    parser.add_argument(
        "--profile-seconds", type=float, default=0, help="py-spy record the first run this long"
    )
    parser.add_argument(
        "--profile-output",
        type=Path,
        default=Path(tempfile.gettempdir()) / "api-bench.svg",
        help="a flame graph (.svg), else py-spy's collapsed stacks",
    )
    args = parser.parse_args()
    secret = os.environ.get("HOURBANK_JWT_SECRET") or secrets.token_hex(32)
    with provide() as infra, fresh_database(infra, "apibench") as database_url:
        env = environment(database_url, secret)
        subprocess.run([sys.executable, "-m", "hourbank_requests", "migrate"], env=env, check=True)
        os.environ.update(env)  # this process answers for escrow on the same database
        asyncio.run(measure(env, args))


if __name__ == "__main__":
    main()
