"""Every service's processes behind one command: `hourbank-<service> migrate|api|consume|relay`
plus the service's own (escrow's `reconcile`, requests' `deadlines`), and `serve`, which runs
them all in one process.

`serve` is for a small installation (one machine, few cores): one interpreter per service
instead of four or five, each loop a thread, one `/metrics` and one pair of probes on the
metrics port for all of them. Kubernetes runs the roles apart, so each scales on its own."""

import argparse
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from prometheus_client.registry import Collector

from hourbank_shared.consumer import ConsumerRunner
from hourbank_shared.heartbeat import Heartbeat, Heartbeats
from hourbank_shared.logs import configure_logging
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import (
    relay_collectors,
    run_relay,
    serve,
    serve_relay,
    stop_on_signals,
)
from hourbank_shared.relay.core import HEARTBEAT_WINDOW_SECONDS as RELAY_WINDOW_SECONDS
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.startup import built_or_exit, refuse_published_secret
from hourbank_shared.tracing_setup import configure_tracing

Command = Callable[[argparse.Namespace], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Worker:
    """A long-running process of the service's own (requests' deadlines, escrow's reconcile)."""

    run: Callable[[argparse.Namespace, Heartbeat, threading.Event], None]
    """Runs until the event is set (SIGTERM); its loop beats the heartbeat (`/healthz`) every
    time round."""
    window: float = 60.0
    """The longest its loop may go without a beat before the process counts as stuck."""


@dataclass(frozen=True)
class ServiceProcesses:
    name: str
    """The service, which is also its relay's and its consumer group's name."""
    settings: ServiceSettings
    alembic_ini: Path
    app: Callable[[], FastAPI]
    consumer: Callable[[str | None], ConsumerRunner]
    """Builds the consumer, given a static membership id (the pod name) or None."""
    extra: Mapping[str, Worker] = field(default_factory=dict)
    """More processes; each serves its metrics and probes on metrics_port + 200."""
    scraped: Mapping[str, Callable[[], Collector]] = field(default_factory=dict)
    """Gauges read from the database on scrape, by the process that serves them (one whose
    replicas are few: a relay or a worker, never the API or the consumer)."""
    tools: Mapping[str, Command] = field(default_factory=dict)
    """One-shot operator commands: no metrics server, they print and exit."""


def service_main(
    description: str,
    build: Callable[[], ServiceProcesses],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    extra_commands: tuple[str, ...] = (),
) -> None:
    """Parse the command line, build the service, configure logging and run one process."""
    commands = ("migrate", "api", "consume", "relay", "serve", *extra_commands)
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("command", choices=commands)
    parser.add_argument("--host", default="127.0.0.1", help="api: address to listen on")
    parser.add_argument("--port", type=int, default=0, help="api: port (default from settings)")
    parser.add_argument("--instance-id", help="consume: static group membership id (pod name)")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args()
    service = built_or_exit(build)
    settings = service.settings
    configure_logging(f"{service.name}-{args.command}", settings.log_level)
    configure_tracing(service.name, args.command)
    refuse_published_secret(settings)
    if args.command == "migrate":
        upgrade(service.alembic_ini, settings.database_url)
    elif args.command == "api":
        port = args.port or settings.api_port
        uvicorn.run(
            service.app(),
            host=args.host,
            port=port,
            log_config=None,
            access_log=settings.access_log,
        )
    elif args.command == "consume":
        consumer = service.consumer(args.instance_id)
        serve(settings.metrics_port, consumer.heartbeat, _scraped(service, "consume"))
        consumer.run(stop_on_signals())
    elif args.command == "relay":
        serve_relay(
            service.name,
            settings.database_url,
            settings.kafka_bootstrap_servers,
            settings.metrics_port + 100,
            stop_on_signals(),
            security=settings,
            collectors=_scraped(service, "relay"),
        )
    elif args.command == "serve":
        serve_all(service, args)
    elif args.command in service.tools:
        service.tools[args.command](args)
    else:
        worker = service.extra[args.command]
        heartbeat = Heartbeat(f"{service.name} {args.command}", worker.window)
        serve(settings.metrics_port + 200, heartbeat, _scraped(service, args.command))
        worker.run(args, heartbeat, stop_on_signals())


def serve_all(service: ServiceProcesses, args: argparse.Namespace) -> None:
    """The API, the consumer, the relay and the service's workers as threads of this process
    until SIGTERM; if one of them fails, all stop and the process exits 1 (to be restarted)."""
    settings = service.settings
    stop = stop_on_signals()
    consumer = service.consumer(args.instance_id)
    relay_heartbeat = Heartbeat(f"relay {service.name}", RELAY_WINDOW_SECONDS)
    workers = {
        name: (worker, Heartbeat(f"{service.name} {name}", worker.window))
        for name, worker in service.extra.items()
    }
    beats = [consumer.heartbeat, relay_heartbeat, *(beat for _, beat in workers.values())]
    gauges = relay_collectors(
        service.name, settings.database_url, settings.kafka_bootstrap_servers, settings
    )
    gauges += [
        gauge for command in ("consume", "relay", *workers) for gauge in _scraped(service, command)
    ]
    serve(settings.metrics_port, Heartbeats(f"{service.name} serve", beats), gauges)
    api = api_server(service.app(), settings, args)
    failed = threading.Event()
    loops: dict[str, Callable[[], None]] = {
        "api": api.run,
        "consume": lambda: consumer.run(stop),
        "relay": lambda: run_relay(
            service.name,
            settings.database_url,
            settings.kafka_bootstrap_servers,
            stop,
            security=settings,
            heartbeat=relay_heartbeat,
        ),
        **{
            name: _worker_loop(worker, beat, args, stop) for name, (worker, beat) in workers.items()
        },
    }
    threads = [
        threading.Thread(target=_until_failure, args=(name, loop, stop, failed), name=name)
        for name, loop in loops.items()
    ]
    for thread in threads:
        thread.start()
    stop.wait()
    api.should_exit = True
    for thread in threads:
        thread.join(30)
    if failed.is_set():
        raise SystemExit(1)


def api_server(app: FastAPI, settings: ServiceSettings, args: argparse.Namespace) -> uvicorn.Server:
    """The API as a server `serve` runs in a thread (it stops when `should_exit` is set); its
    address from `--host`/`--port`, else the settings."""
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port or settings.api_port,
        log_config=None,
        access_log=settings.access_log,
    )
    return uvicorn.Server(config)


def _worker_loop(
    worker: Worker, heartbeat: Heartbeat, args: argparse.Namespace, stop: threading.Event
) -> Callable[[], None]:
    return lambda: worker.run(args, heartbeat, stop)


def _until_failure(
    name: str, loop: Callable[[], None], stop: threading.Event, failed: threading.Event
) -> None:
    """Run one loop of `serve`; when it ends before `stop` (a crash), stop the others too."""
    try:
        loop()
    except BaseException:
        log.exception("%s failed: stopping the process", name)
        failed.set()
    else:
        if not stop.is_set():
            log.error("%s ended on its own: stopping the process", name)
            failed.set()
    finally:
        stop.set()


def _scraped(service: ServiceProcesses, command: str) -> list[Collector]:
    build = service.scraped.get(command)
    return [build()] if build is not None else []
