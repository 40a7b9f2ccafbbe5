"""Every service's processes behind one command: `hourbank-<service> migrate|api|consume|relay`
plus the service's own (escrow's `reconcile`, requests' `deadlines`)."""

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from prometheus_client import start_http_server

from hourbank_shared.consumer import ConsumerRunner
from hourbank_shared.logs import configure_logging
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import run_relay, stop_on_signals
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.startup import built_or_exit, refuse_published_secret

Command = Callable[[argparse.Namespace], None]


@dataclass(frozen=True)
class ServiceProcesses:
    name: str
    """The service, which is also its relay's and its consumer group's name."""
    settings: ServiceSettings
    alembic_ini: Path
    app: Callable[[], FastAPI]
    consumer: Callable[[str | None], ConsumerRunner]
    """Builds the consumer, given a static membership id (the pod name) or None."""
    extra: Mapping[str, Command] = field(default_factory=dict)
    """More commands; each serves its metrics on metrics_port + 200."""
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
        start_http_server(settings.metrics_port)
        service.consumer(args.instance_id).run(stop_on_signals())
    elif args.command == "relay":
        start_http_server(settings.metrics_port + 100)
        bootstrap = settings.kafka_bootstrap_servers
        run_relay(service.name, settings.database_url, bootstrap, stop_on_signals())
    elif args.command in service.tools:
        service.tools[args.command](args)
    else:
        start_http_server(settings.metrics_port + 200)
        service.extra[args.command](args)
