"""`hourbank-disputes migrate|api|consume|relay`: the disputes service's processes."""

import argparse
from pathlib import Path

import uvicorn
from prometheus_client import start_http_server

from hourbank_disputes.bootstrap import Disputes, bootstrap
from hourbank_disputes.consumers import disputes_consumer
from hourbank_disputes.handlers import CONSUMER
from hourbank_shared.logs import configure_logging
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import run_relay, stop_on_signals

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def migrate(service: Disputes, _: argparse.Namespace) -> None:
    upgrade(ALEMBIC_INI, service.settings.database_url)


def api(service: Disputes, args: argparse.Namespace) -> None:
    from hourbank_disputes.api.app import create_app

    app = create_app(service.settings, service.sessions, service.context.clock)
    uvicorn.run(app, host=args.host, port=args.port or service.settings.api_port, log_config=None)


def consume(service: Disputes, args: argparse.Namespace) -> None:
    start_http_server(service.settings.metrics_port)
    bootstrap_servers = service.settings.kafka_bootstrap_servers
    runner = disputes_consumer(service.context, bootstrap_servers, instance_id=args.instance_id)
    runner.run(stop_on_signals())


def relay(service: Disputes, _: argparse.Namespace) -> None:
    settings = service.settings
    start_http_server(settings.metrics_port + 100)
    run_relay(CONSUMER, settings.database_url, settings.kafka_bootstrap_servers, stop_on_signals())


COMMANDS = {"migrate": migrate, "api": api, "consume": consume, "relay": relay}


def main() -> None:
    parser = argparse.ArgumentParser(prog="hourbank-disputes", description=__doc__)
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--host", default="127.0.0.1", help="api: address to listen on")
    parser.add_argument("--port", type=int, default=0, help="api: port (default from settings)")
    parser.add_argument("--instance-id", help="consume: static group membership id (pod name)")
    args = parser.parse_args()
    service = bootstrap()
    configure_logging(f"disputes-{args.command}", service.settings.log_level)
    COMMANDS[args.command](service, args)


if __name__ == "__main__":
    main()
