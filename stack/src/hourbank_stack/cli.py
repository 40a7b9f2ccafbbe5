"""`hourbank up|stop|status|hold|release|token|demo|load|faults|dashboard-png`: the whole
system on this machine."""

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_stack import control, gateway, netlab
from hourbank_stack.campaign import KINDS, PRESETS, parse_counts
from hourbank_stack.observability import prometheus
from hourbank_stack.observability.local import Observers, observers
from hourbank_stack.supervisor import (
    COMBINED_ENV,
    LAB_ENV,
    REPLICAS_ENV,
    StartFailed,
    Supervisor,
    alive,
    child_alive,
    listening,
    placements,
    read_state,
    stack_roles,
    state_dir,
    supervisor_alive,
)
from hourbank_stack.topology import GATEWAY_PORT, SERVICES, parse_replicas

REPO = gateway.REPO
INFRA = control.INFRA
BIN = Path(sys.executable).parent


class Fail(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"hourbank: {message}")


def say(message: str) -> None:
    print(message, flush=True)


def step(message: str) -> None:
    say(f"▸ {message}")


def development_env(time_scale: float | None = None) -> dict[str, str]:
    """This process's environment plus the local infrastructure's, the development secret and
    the development mode that lets the services start with it."""
    env = dict(os.environ)
    out = subprocess.run([str(INFRA), "env"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    env.setdefault("HOURBANK_JWT_SECRET", DEV_JWT_SECRET)
    env["HOURBANK_DEV_MODE"] = "true"
    env["PYTHONFAULTHANDLER"] = (
        "1"  # a process that crashes (a signal) leaves its stacks in its log
    )
    if time_scale is not None:
        env["HOURBANK_TIME_SCALE"] = repr(time_scale)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _holder(port: int) -> str:
    try:
        out = subprocess.run(
            ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "another process"
    return out.split("users:", 1)[1] if "users:" in out else "another process"


def ensure_installed(package: str, what: str, find: Callable[[], object]) -> None:
    """The gateway is Debian's nginx, `--observe`'s Prometheus Debian's prometheus: install
    the package once when we may, else say how."""
    try:
        find()
        return
    except (gateway.GatewayError, prometheus.PrometheusMissing) as missing:
        if os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists():
            raise Fail(str(missing)) from None
    step(f"{package} ({what}) not found; installing it with apt-get (one-time)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            raise Fail(f"apt-get install {package} failed; install {package} and run again")


def preflight(gateway_port: int, observers: dict[int, str]) -> None:
    """Fail at once, naming the holder, if a port a process needs is taken."""
    ensure_installed("nginx", "the gateway", gateway.nginx_binary)
    wanted = {r.port: r.name for r in stack_roles()} | {gateway_port: "gateway"} | observers
    taken = [
        f"{port} ({name}) by {_holder(port)}" for port, name in wanted.items() if listening(port)
    ]
    if taken:
        raise Fail("ports already in use: " + "; ".join(taken) + ". Stop what holds them.")


def _replicas(text: str) -> str:
    try:
        parse_replicas(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def run_checked(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise Fail(f"{what} failed:\n{result.stdout}{result.stderr}")


def up(args: argparse.Namespace) -> None:
    if args.detach:
        return detach(args)
    state = read_state()
    if state and supervisor_alive(state):
        raise Fail(f"already running (supervisor pid {state['supervisor']}); `hourbank stop` first")
    # read by every role lookup in this process (ports, Prometheus targets, the children)
    os.environ[COMBINED_ENV] = "1" if args.combined else "0"
    os.environ[REPLICAS_ENV] = args.replicas
    os.environ[LAB_ENV] = "1" if args.lab else "0"
    found = Observers()
    if args.observe:
        ensure_installed(prometheus.PACKAGE, "--observe", prometheus.binary)
        step("Prometheus and Jaeger (the first run builds Jaeger: minutes)")
        found = observers(lambda warning: say(f"  ! {warning}"))
    preflight(args.port, found.ports)
    kafka_port = int(os.environ.get("HOURBANK_KAFKA_PORT", "19092"))
    infra_was_up = listening(kafka_port) and listening(
        int(os.environ.get("HOURBANK_PG_PORT", "55432"))
    )
    step("Kafka and PostgreSQL (the first run downloads Kafka with Maven)")
    if subprocess.run([str(INFRA), "up"]).returncode != 0:
        raise Fail("the infrastructure did not start (see above)")
    env = development_env(args.time_scale) | found.env
    if args.lab:
        step("the fault lab: a network namespace per process (docs/faults.md)")
        netlab.prepare_host(INFRA)
        for placement in placements().values():
            netlab.place(placement.name, placement.index)
    if args.offering_review:
        env["HOURBANK_OFFERING_REVIEW"] = "true"  # read by the requests service only
    step("topics")
    run_checked([str(BIN / "hourbank-topics")], env, "creating the topics")
    step("migrations")
    for service in SERVICES:
        run_checked([str(BIN / f"hourbank-{service}"), "migrate"], env, f"migrating {service}")
        say(f"  ✓ {service}")
    step(f"starting {len(stack_roles())} service processes and the gateway")
    supervisor = Supervisor(env, say, args.port, found.children, found.links)
    keep_infra = infra_was_up or args.keep_infra
    with _stopping_on_signals():
        try:
            supervisor.start()
            banner(supervisor.base_url, env, found.links)
            supervisor.watch()
        except (StartFailed, TimeoutError) as exc:
            say(f"hourbank: {exc}")
            raise SystemExit(1) from None
        except Terminated:
            keep_infra = True  # `hourbank stop`; the infrastructure only with `--infra`
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGINT, lambda *_: say("  (stopping, please wait)"))
            step("stopping the services and the gateway")
            supervisor.stop()
            if args.lab:
                netlab.teardown()
            if not keep_infra:
                step("stopping Kafka and PostgreSQL")
                subprocess.run([str(INFRA), "down"])
            say("stopped.")


class Terminated(KeyboardInterrupt):
    """SIGTERM, as `hourbank stop` sends it: stop the services, leave Kafka and PostgreSQL
    (Ctrl-C stops them too, if this run started them)."""


@contextmanager
def _stopping_on_signals() -> Iterator[None]:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def banner(base_url: str, env: dict[str, str], links: dict[str, str]) -> None:
    docs = f"\n{' ' * 16}".join(f"{base_url}/{s}/docs" for s in SERVICES)
    scale = env.get("HOURBANK_TIME_SCALE")
    review = (
        "reviewed by an admin before members see them (--offering-review)"
        if env.get("HOURBANK_OFFERING_REVIEW", "").lower() in ("true", "1", "yes", "on")
        else "live at once (`hourbank up --offering-review` to review them)"
    )
    observe = "".join(f"\n  {name:<13} {url}" for name, url in links.items()) or (
        "\n  Observe       `hourbank up --observe`: Prometheus (alerts) and Jaeger (traces)"
    )
    say(
        f"""
HourBank is running.
  Base URL      {base_url}   (e.g. GET {base_url}/v1/offerings)
  OpenAPI       {docs}
  Events        docs/events/asyncapi.yaml (AsyncAPI 3) and docs/events/README.md
  A token       make token MEMBER=<uuid> [ADMIN=1]   (or: uv run hourbank token [--admin])
                then: curl -H "Authorization: Bearer $TOKEN" {base_url}/v1/members/me
  Try it        make demo
  Time scale    {scale or "1 (real time)"}
  Offerings     {review}
  Logs          {state_dir() / "logs"}/{observe}
  Stop          Ctrl-C here, or `make down` from another terminal
"""
    )


def detach(args: argparse.Namespace) -> None:
    """Start `up` in the background, follow its output until it is ready, then return."""
    log = state_dir() / "supervisor.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "hourbank_stack", "up", "--port", str(args.port)]
    if args.time_scale is not None:
        command += ["--time-scale", repr(args.time_scale)]
    if args.keep_infra:
        command.append("--keep-infra")
    if args.observe:
        command.append("--observe")
    if args.offering_review:
        command.append("--offering-review")
    if args.combined:
        command.append("--combined")
    if args.lab:
        command.append("--lab")
    command += ["--replicas", args.replicas]
    with log.open("wb") as out:
        child = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    shown = 0
    while True:
        text = log.read_text(errors="replace")
        print(text[shown:], end="", flush=True)
        shown = len(text)
        state = read_state()
        if state and state.get("supervisor") == child.pid and state.get("ready"):
            say(f"(running in the background, supervisor pid {child.pid}; `hourbank stop`)")
            return
        if child.poll() is not None:
            print(log.read_text(errors="replace")[shown:], end="")
            raise Fail(f"the stack did not start (exit code {child.returncode}); see {log}")
        time.sleep(0.3)


def stop(args: argparse.Namespace) -> None:
    state = read_state()
    pid = state.get("supervisor") if state else None
    if state and supervisor_alive(state):
        assert isinstance(pid, int)
        step(f"stopping the services and the gateway (supervisor pid {pid})")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 120
        while alive(pid, state.get("supervisor_started")) and time.monotonic() < deadline:
            time.sleep(0.2)
    elif state:
        # The supervisor itself died: stop what it left behind.
        processes = state.get("processes", {})
        assert isinstance(processes, dict)
        for entry in processes.values():
            if child_alive(entry):
                os.kill(entry["pid"], signal.SIGTERM)
    if state and state.get("lab"):
        netlab.teardown()  # what a supervisor that died left of the lab
    if args.infra:
        step("stopping Kafka and PostgreSQL")
        subprocess.run([str(INFRA), "down"], check=False)


def token(args: argparse.Namespace) -> None:
    secret = os.environ.get("HOURBANK_JWT_SECRET", DEV_JWT_SECRET)
    print(dev_token(args.member or uuid.uuid4(), secret, admin=args.admin))


def demo(args: argparse.Namespace) -> None:
    from hourbank_stack.demo import run_demo

    state = read_state()
    running = state and supervisor_alive(state) and state.get("base_url")
    base_url = args.base_url or (str(state["base_url"]) if state and running else None)
    run_demo(
        base_url or f"http://127.0.0.1:{GATEWAY_PORT}",
        os.environ.get("HOURBANK_JWT_SECRET", DEV_JWT_SECRET),
    )


def _running_base_url() -> str:
    state = read_state()
    if not state or not supervisor_alive(state) or not state.get("ready"):
        raise Fail("HourBank is not running: start it first (`make start`)")
    return str(state["base_url"])


def load_compare(args: argparse.Namespace) -> None:
    from hourbank_stack.load_compare import compare

    compare(args.runs, args.out)


def load(args: argparse.Namespace) -> None:
    import asyncio

    from hourbank_stack import load as generator

    if args.rates is None:
        args.rates = (
            [5.0, 10.0, 20.0, 40.0, 60.0, 80.0, 100.0, 130.0, 160.0] if args.ramp else [20.0]
        )
    env = development_env()
    secret = env["HOURBANK_JWT_SECRET"]
    report = asyncio.run(generator.run(args, env, _running_base_url(), secret))
    generator.write(report, args.out)


def faults(args: argparse.Namespace) -> None:
    from hourbank_stack import faults as injector

    env = development_env()
    counts = PRESETS.get(args.faults) if args.faults in PRESETS else None
    if counts is None and args.faults:
        try:
            counts = parse_counts(args.faults)
        except ValueError as exc:
            raise Fail(f"--faults: {exc}") from None
    plan = injector.Plan(
        args.lifecycles,
        args.kills,
        args.rate,
        args.window,
        restart_kafka=not args.no_kafka,
        restart_pg=not args.no_pg,
        seed=args.seed,
        faults=counts,
        replay=args.replay,
        schedule_out=args.schedule_out,
    )
    injector.main(plan, _running_base_url(), env["HOURBANK_JWT_SECRET"], env, str(INFRA))


def dashboard_png(args: argparse.Namespace) -> None:
    from hourbank_stack.observability import dashboard_png

    dashboard_png.main(args)


def main() -> None:
    parser = argparse.ArgumentParser(prog="hourbank", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("up", help="start everything; Ctrl-C stops it")
    p.add_argument("--detach", action="store_true", help="run in the background")
    p.add_argument("--port", type=int, default=GATEWAY_PORT, help="the gateway's port")
    p.add_argument("--time-scale", type=float, help="business time runs this many times faster")
    p.add_argument("--keep-infra", action="store_true", help="leave Kafka/PostgreSQL running")
    p.add_argument(
        "--observe", action="store_true", help="also Prometheus (:9090) and Jaeger (:16686)"
    )
    p.add_argument(
        "--offering-review",
        action="store_true",
        help="new and changed offerings wait for an admin's approval (HOURBANK_OFFERING_REVIEW)",
    )
    p.add_argument(
        "--combined",
        action="store_true",
        help="one process per service (API, consumer, relay, workers as threads) instead of 14",
    )
    p.add_argument(
        "--replicas",
        type=_replicas,
        default="1",
        help="N of every scalable process, or per command: api=3,consume=2,worker=2,deadlines=2,"
        "relay=2 (relays beyond the first stand by for its lock)",
    )
    p.add_argument(
        "--lab",
        action="store_true",
        help="each service process in its own network namespace, for the network faults of "
        "`hourbank faults` (root; docs/faults.md)",
    )
    p.set_defaults(run=up)
    p = commands.add_parser("stop", help="stop the services and the gateway")
    p.add_argument("--infra", action="store_true", help="also stop Kafka and PostgreSQL")
    p.set_defaults(run=stop)
    commands.add_parser("status", help="what runs, lag, dead letters, outbox").set_defaults(
        run=control.status
    )
    for name, run, what in (
        ("hold", control.hold, "stop one process and keep it stopped"),
        ("release", control.release, "start a held process again"),
    ):
        p = commands.add_parser(name, help=what)
        p.add_argument("process", help="e.g. escrow-consume (see `hourbank status`)")
        p.set_defaults(run=run)
    p = commands.add_parser("token", help="print a development token")
    p.add_argument("member", nargs="?", type=uuid.UUID)
    p.add_argument("--admin", action="store_true")
    p.set_defaults(run=token)
    p = commands.add_parser("demo", help="walk two requests through the running system")
    p.add_argument("--base-url", help="default: the running stack's, else port 8080")
    p.set_defaults(run=demo)
    p = commands.add_parser("load", help="drive lifecycles through the gateway; JSON + chart")
    p.add_argument("--rate", dest="rates", type=float, action="append", help="lifecycles/s")
    p.add_argument("--ramp", action="store_true", help="rising rates until saturation")
    p.add_argument("--seconds", type=float, default=20.0, help="per rate")
    p.add_argument("--pairs", type=int, default=400, help="pairs of members acting at once")
    p.add_argument("--connections", type=int, default=256)
    p.add_argument("--settle", type=float, default=20.0, help="seconds idle after the setup")
    p.add_argument("--broker-messages", type=int, default=2000)
    p.add_argument("--pgbench-seconds", type=int, default=10)
    p.add_argument("--out", type=Path, default=REPO / "docs/benchmarks")
    p.set_defaults(run=load)
    p = commands.add_parser(
        "load-compare", help="runs of `hourbank load` side by side: PNG + table"
    )
    p.add_argument("runs", nargs="+", help="label=path/to/load.json")
    p.add_argument("--out", type=Path, default=REPO / "docs/benchmarks/before-after.png")
    p.set_defaults(run=load_compare)
    p = commands.add_parser("faults", help="kill processes under load; check nothing is lost")
    p.add_argument("--lifecycles", type=int, default=24)
    p.add_argument("--kills", type=int, default=12, help="SIGKILLs of service processes")
    p.add_argument("--rate", type=float, default=2.0, help="lifecycles started per second")
    p.add_argument("--window", type=float, default=0.0, help="seconds to spread the kills over")
    p.add_argument("--no-kafka", action="store_true", help="do not restart the broker")
    p.add_argument("--no-pg", action="store_true", help="do not restart PostgreSQL")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--faults",
        help="faults per kind, e.g. kill=40,freeze=20,cut-kafka=20 (kinds: "
        + ", ".join(KINDS)
        + "), or a preset: "
        + ", ".join(PRESETS)
        + "; replaces --kills/--no-kafka/--no-pg",
    )
    p.add_argument("--replay", type=Path, help="run a schedule written by an earlier run again")
    p.add_argument("--schedule-out", type=Path, help="where to write the schedule (JSON)")
    p.set_defaults(run=faults)
    p = commands.add_parser("dashboard-png", help="the saga dashboard from Prometheus, as PNG")
    p.add_argument("--minutes", type=float, default=15.0, help="how far back")
    p.add_argument("--prometheus", default=prometheus.URL)
    p.add_argument("--out", type=Path, default=REPO / "docs/monitoring/saga-dashboard.png")
    p.set_defaults(run=dashboard_png)
    args = parser.parse_args()
    args.run(args)
