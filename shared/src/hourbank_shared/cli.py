"""Every service's processes behind one command: `hourbank-<service> migrate|api|consume|relay`
plus the service's own (escrow's `reconcile`, requests' `deadlines`)."""

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from prometheus_client.registry import Collector

from hourbank_shared.consumer import ConsumerRunner
from hourbank_shared.heartbeat import Heartbeat
from hourbank_shared.logs import configure_logging
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import serve, serve_relay, stop_on_signals
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.startup import built_or_exit, refuse_published_secret
from hourbank_shared.tracing_setup import configure_tracing

Command = Callable[[argparse.Namespace], None]


@dataclass(frozen=True)
class Worker:
    """A long-running process of the service's own (requests' deadlines, escrow's reconcile)."""

    run: Callable[[argparse.Namespace, Heartbeat], None]
    """Runs until SIGTERM; its loop beats the heartbeat (`/healthz`) every time round."""
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
    commands = ("migrate", "api", "consume", "relay", *extra_commands)
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
    elif args.command in service.tools:
        service.tools[args.command](args)
    else:
        worker = service.extra[args.command]
        heartbeat = Heartbeat(f"{service.name} {args.command}", worker.window)
        serve(settings.metrics_port + 200, heartbeat, _scraped(service, args.command))
        worker.run(args, heartbeat)


def _scraped(service: ServiceProcesses, command: str) -> list[Collector]:
    build = service.scraped.get(command)
    return [build()] if build is not None else []
