"""Run every HourBank process locally and keep it running, as Kubernetes would.

Each process is a child in its own session (so Ctrl-C reaches only the supervisor, which
then stops them in order: gateway, APIs, workers, relays last). A child that dies is
started again after a short backoff. The pids are kept in `stack.json` for `hourbank stop`,
`hourbank status` and the fault injector. `hourbank hold <process>` stops one child and keeps it
stopped (a marker file the supervisor watches) until `hourbank release <process>`.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from confluent_kafka import ConsumerGroupState, KafkaException
from confluent_kafka.admin import AdminClient

from hourbank_shared.kafka import base_config
from hourbank_stack import gateway, netlab
from hourbank_stack.topology import API_PORTS, GATEWAY_PORT, SERVE, Role, parse_replicas, roles

Echo = Callable[[str], None]
STOP_ORDER = (
    "gateway",
    "api",
    "deadlines",
    "reconcile",
    "consume",
    "worker",
    "relay",
    "prometheus",
    "jaeger",
)
"""Prometheus and Jaeger (`--observe`) last: they see the others stop."""
READY_PATHS = {
    "api": "/readyz",
    "serve": "/readyz",
    "gateway": "/healthz",
    "prometheus": "/-/ready",
    "jaeger": "/api/services",
}
"""What answers 200 once a child is ready; a worker: its metrics port's /metrics."""
FIRST_BACKOFF, MAX_BACKOFF, STABLE_AFTER = 0.5, 5.0, 20.0
START_CRASHES = 3
"""A child killed by a signal while the stack starts is started again this many times; one
that exits with a code (a setting it refused) fails the start at once."""
CONSUMER_GROUPS = ("requests", "escrow", "disputes", "hourbank-notifications")
"""The services' consumer groups (the faust worker's is its app id)."""


COMBINED_ENV = "HOURBANK_STACK_COMBINED"
"""Set to 1 by `hourbank up --combined`: one process per service."""
REPLICAS_ENV = "HOURBANK_STACK_REPLICAS"
"""`hourbank up --replicas` as given (`2`, or `api=3,consume=2`)."""
LAB_ENV = "HOURBANK_STACK_LAB"
"""Set to 1 by `hourbank up --lab`: each service process in its own network namespace."""


def stack_roles() -> tuple[Role, ...]:
    """The processes the stack runs: `--combined` and `--replicas` as this process's
    environment says (as `up` set it), else as the running stack chose, else each role once."""
    if COMBINED_ENV in os.environ:
        combined = os.environ[COMBINED_ENV] == "1"
        replicas = os.environ.get(REPLICAS_ENV, "1")
    else:
        state = read_state() or {}
        combined = bool(state.get("combined"))
        replicas = str(state.get("replicas") or "1")
    return roles(combined, parse_replicas(replicas))


def in_lab() -> bool:
    """Whether the stack's processes run in network namespaces (`hourbank up --lab`)."""
    if COMBINED_ENV in os.environ:  # set by `up` (and tests): its settings, not a stack's
        return os.environ.get(LAB_ENV) == "1"
    return bool((read_state() or {}).get("lab"))


def placements() -> dict[str, "netlab.Placement"]:
    """Each process's network namespace in the lab, by process name (its index: its place in
    stack_roles, so every reader agrees without asking the supervisor)."""
    if not in_lab():
        return {}
    return {r.name: netlab.placement(r.name, n) for n, r in enumerate(stack_roles(), start=1)}


def address(name: str) -> str:
    """Where the host reaches the process `name`: loopback, or its namespace in the lab."""
    placement = placements().get(name)
    return placement.address if placement is not None else "127.0.0.1"


def state_dir() -> Path:
    return Path(os.environ.get("HOURBANK_STATE_DIR", "/var/tmp/hourbank")) / "stack"  # noqa: S108


def hold_marker(name: str) -> Path:
    """While this file exists the supervisor keeps the child `name` stopped."""
    return state_dir() / "held" / name


@dataclass
class Child:
    name: str
    kind: str
    """The role's command ("api", "relay", …) or "gateway"."""
    argv: list[str]
    port: int
    log: Path
    host: str = "127.0.0.1"
    """Where it answers: loopback, or its network namespace's address (`--lab`)."""
    env: dict[str, str] = field(default_factory=dict)
    """Its own settings over the stack's (a replica's ports, the lab's addresses)."""
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restarts: int = 0
    backoff: float = FIRST_BACKOFF
    due: float = 0.0
    """When a dead child may be started again."""
    exits: list[int] = field(default_factory=list)
    held: bool = False
    """Stopped on purpose (`hourbank hold`): not started again until released."""

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def start(self, env: dict[str, str]) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env | self.env,
                start_new_session=True,
            )
        self.started = time.monotonic()

    def tail(self, lines: int = 15) -> str:
        if not self.log.exists():
            return "(no output)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def children(
    logs: Path, gateway_prefix: Path, gateway_port: int, env: dict[str, str]
) -> list[Child]:
    """Every service process (each replica, each in its namespace in the lab) and the gateway,
    which balances over the API replicas."""
    bin_dir = Path(sys.executable).parent
    lab = placements()
    found = []
    for r in stack_roles():
        argv, own = _argv(r, bin_dir), replica_env(r)
        host = "127.0.0.1"
        if (placement := lab.get(r.name)) is not None:
            argv, own, host = placement.argv(argv), placement.env(env | own), placement.address
            own = {k: v for k, v in own.items() if env.get(k) != v}
            if r.command == "deadlines":  # the campaign's clock jumps
                from hourbank_stack import fault_kinds

                own |= fault_kinds.clock_env(r.name)
        found.append(Child(r.name, r.command, argv, r.port, logs / f"{r.name}.log", host, own))
    upstreams: dict[str, list[str]] = {}
    for child, r in zip(found, stack_roles(), strict=True):
        if r.command in ("api", SERVE):
            upstreams.setdefault(r.service, []).append(f"{child.host}:{child.port}")
    nginx = gateway.command(gateway_prefix, gateway_port, upstreams)
    found.append(Child("gateway", "gateway", nginx, gateway_port, logs / "gateway.log"))
    return found


def replica_env(r: Role) -> dict[str, str]:
    """A replica's own ports: its API port and the metrics port its workers add to."""
    if r.replica == 1:
        return {}
    prefix = f"HOURBANK_{r.service.upper()}_"
    return {
        f"{prefix}API_PORT": str(API_PORTS[r.service] + r.offset),
        f"{prefix}METRICS_PORT": str(r.base_metrics_port),
    }


def _argv(r: Role, bin_dir: Path) -> list[str]:
    executable = bin_dir / r.argv[0]
    return [str(executable) if executable.exists() else r.argv[0], *r.argv[1:]]


class Supervisor:
    def __init__(
        self,
        env: dict[str, str],
        echo: Echo,
        gateway_port: int = GATEWAY_PORT,
        observers: list[Child] | None = None,
        links: dict[str, str] | None = None,
    ):
        """`observers`: Prometheus and Jaeger with `--observe`; `links`: their URLs, saved."""
        self.env = env
        self.echo = echo
        self.dir = state_dir()
        self.logs = self.dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.gateway_port = gateway_port
        services = children(self.logs, self.dir / "gateway", gateway_port, env)
        self.children = [*(observers or []), *services]
        self.links = links or {}
        self.stopping = threading.Event()
        self.ready = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def start(self, timeout: float = 180) -> None:
        """Start every child and wait until each answers; raise with its log if one cannot."""
        shutil.rmtree(self.dir / "held", ignore_errors=True)
        for child in self.children:
            child.start(self.env)
        self.save()
        waiting = {c.name for c in self.children}
        deadline = time.monotonic() + timeout
        while waiting:
            for child in self.children:
                if child.name not in waiting:
                    continue
                if child.proc is not None and child.proc.poll() is not None:
                    if child.proc.returncode >= 0 or child.restarts >= START_CRASHES:
                        raise StartFailed(child)  # a setting it refused: say so at once
                    # killed by a signal (a crash): started again, as Kubernetes would
                    self.echo(
                        f"  ! {child.name} crashed at start "
                        f"({_describe(child.proc.returncode)}); starting it again"
                    )
                    child.exits.append(child.proc.returncode)
                    child.restarts += 1
                    child.start(self.env)
                    continue
                if _answers(child):
                    waiting.discard(child.name)
                    self.echo(f"  ✓ {child.name:<24} :{child.port}")
            if time.monotonic() > deadline:
                slow = sorted(waiting)
                raise TimeoutError(f"not ready after {timeout:.0f}s: {', '.join(slow)}")
            time.sleep(0.2)
        self._wait_for_consumer_groups(deadline)
        self.ready = True
        self.save()

    def _wait_for_consumer_groups(self, deadline: float) -> None:
        """A consumer process answers before its group has its partitions (on a fresh broker
        the offsets topic is created first, seconds on this machine): wait until every group
        is stable with a member, so the first request is not left waiting."""
        admin = AdminClient(base_config(self.env["KAFKA_BOOTSTRAP_SERVERS"], "hourbank-stack"))
        waiting = set(CONSUMER_GROUPS)
        while waiting:
            for group, future in admin.describe_consumer_groups(sorted(waiting)).items():
                try:
                    description = future.result(timeout=10)
                except KafkaException:
                    continue
                if description.state == ConsumerGroupState.STABLE and description.members:
                    waiting.discard(group)
                    self.echo(f"  ✓ consumer group {group:<16} {len(description.members)} member")
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"consumer groups not stable: {', '.join(sorted(waiting))}")
            if waiting:
                time.sleep(0.5)

    def watch(self) -> None:
        """Until stopped: start again any child that died, with backoff."""
        while not self.stopping.wait(0.2):
            now = time.monotonic()
            changed = self._apply_holds()
            for child in self.children:
                if child.held:
                    if child.proc is not None:
                        child.proc.poll()  # reap it once it exited (else a zombie looks alive)
                    continue
                proc = child.proc
                if proc is None or proc.poll() is None:
                    if proc is not None and now - child.started > STABLE_AFTER:
                        child.backoff = FIRST_BACKOFF
                    continue
                if child.due == 0.0:
                    code = proc.returncode
                    child.exits.append(code)
                    child.due = now + child.backoff
                    self.echo(f"  ! {child.name} exited ({_describe(code)}); restarting")
                elif now >= child.due:
                    child.due = 0.0
                    child.restarts += 1
                    child.backoff = min(child.backoff * 2, MAX_BACKOFF)
                    child.start(self.env)
                    changed = True
            if changed:
                self.save()

    def _apply_holds(self) -> bool:
        """Stop the children newly held, start the ones released; True if any changed."""
        changed = False
        for child in self.children:
            wanted = hold_marker(child.name).exists()
            if wanted and not child.held:
                child.held, changed = True, True
                _signal(child, signal.SIGTERM)
                self.echo(f"  ‖ {child.name} held (stopped until released)")
            elif child.held and not wanted:
                if child.proc is not None and child.proc.poll() is None:
                    continue  # still stopping: start it again once it has exited
                child.held, child.due, changed = False, 0.0, True
                child.start(self.env)
                self.echo(f"  ▸ {child.name} released")
        return changed

    def stop(self, grace: float = 20) -> None:
        self.stopping.set()
        for kind in STOP_ORDER:
            group = [c for c in self.children if c.kind == kind and c.proc is not None]
            for child in group:
                _signal(child, signal.SIGTERM)
            for child in group:
                assert child.proc is not None
                try:
                    child.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    self.echo(f"  ! {child.name} did not stop in {grace:.0f}s; killing it")
                    _signal(child, signal.SIGKILL)
                    child.proc.wait()
        self.ready = False
        self.save(running=False)

    def save(self, running: bool = True) -> None:
        state = {
            "supervisor": os.getpid() if running else None,
            "supervisor_started": started_as(os.getpid()) if running else None,
            "ready": self.ready,
            "base_url": self.base_url,
            "time_scale": self.env.get("HOURBANK_TIME_SCALE", "1"),
            "offering_review": self.env.get("HOURBANK_OFFERING_REVIEW", "false"),
            "combined": self.env.get(COMBINED_ENV) == "1",
            "replicas": self.env.get(REPLICAS_ENV, "1"),
            "lab": self.env.get(LAB_ENV) == "1",
            "links": self.links,
            "processes": {
                c.name: {
                    "pid": c.pid,
                    "started": started_as(c.pid),
                    "port": c.port,
                    "host": c.host,
                    "restarts": c.restarts,
                    "log": str(c.log),
                    "held": c.held,
                }
                for c in self.children
            },
        }
        temporary = self.dir / "stack.json.tmp"
        temporary.write_text(json.dumps(state, indent=2))
        temporary.replace(self.dir / "stack.json")


class StartFailed(RuntimeError):
    def __init__(self, child: Child):
        code = child.proc.returncode if child.proc is not None else None
        super().__init__(
            f"{child.name} exited at start ({_describe(code)}); the end of {child.log}:\n"
            + child.tail()
        )


def read_state() -> dict[str, object] | None:
    path = state_dir() / "stack.json"
    if not path.exists():
        return None
    state: dict[str, object] = json.loads(path.read_text())
    return state


def running_stack() -> dict[str, object] | None:
    """The state of a stack whose supervisor is alive and which became ready, else None."""
    state = read_state()
    if state and supervisor_alive(state) and state.get("ready"):
        return state
    return None


def alive(pid: object, started: object = None) -> bool:
    """A process with this pid runs and, when `started` (its `started_as`) was saved with the
    pid, it is the same process: a pid alone may have been reused since, after a restart of
    the machine or later in the same boot (pids wrap at 32,768 here), by any process."""
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return started is None or started == started_as(pid)


def started_as(pid: int | None) -> str | None:
    """The boot and the start time (clock ticks after boot) of the process: with its pid, they
    name it once and for all. None if it is gone (or there is no /proc)."""
    if pid is None:
        return None
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # field 22; the fields after the command, which is in parentheses and may hold any byte,
    # start at field 3
    return f"{boot}:{stat.rsplit(')', 1)[1].split()[19]}"


def supervisor_alive(state: dict[str, object] | None) -> bool:
    """The state's supervisor runs: not a stale state whose pid another process has now."""
    if not state:
        return False
    return alive(state.get("supervisor"), state.get("supervisor_started"))


def child_alive(entry: dict[str, object]) -> bool:
    return alive(entry.get("pid"), entry.get("started"))


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """Something accepts connections on the port (of loopback, or of a lab namespace)."""
    with socket.socket() as probe:
        probe.settimeout(0.3)
        return probe.connect_ex((host, port)) == 0


def _answers(child: Child) -> bool:
    """An API and the gateway answer their readiness route; a worker its metrics port;
    Prometheus its readiness route, Jaeger its query API."""
    path = READY_PATHS.get(child.kind, "/metrics")
    try:
        return httpx.get(f"http://{child.host}:{child.port}{path}", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _signal(child: Child, sig: signal.Signals) -> None:
    if child.proc is not None and child.proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            child.proc.send_signal(sig)


def _describe(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit code {code}"
