"""`hourbank-escrow migrate|api|consume|relay|reconcile`: the escrow service's processes."""

import argparse
import json
import sys
from pathlib import Path

import uvicorn
from prometheus_client import start_http_server

from hourbank_escrow.bootstrap import Escrow, bootstrap
from hourbank_escrow.consumers import escrow_consumer
from hourbank_escrow.handlers import CONSUMER
from hourbank_escrow.reconciler import reconcile_every, reconcile_once
from hourbank_shared.logs import configure_logging
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import run_relay, stop_on_signals

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def migrate(escrow: Escrow, _: argparse.Namespace) -> None:
    upgrade(ALEMBIC_INI, escrow.settings.database_url)


def api(escrow: Escrow, args: argparse.Namespace) -> None:
    from hourbank_escrow.api.app import create_app

    app = create_app(escrow.settings, escrow.sessions, escrow.context.clock)
    uvicorn.run(app, host=args.host, port=args.port or escrow.settings.api_port, log_config=None)


def consume(escrow: Escrow, args: argparse.Namespace) -> None:
    start_http_server(escrow.settings.metrics_port)
    runner = escrow_consumer(
        escrow.context, escrow.settings.kafka_bootstrap_servers, instance_id=args.instance_id
    )
    runner.run(stop_on_signals())


def relay(escrow: Escrow, _: argparse.Namespace) -> None:
    settings = escrow.settings
    start_http_server(settings.metrics_port + 100)
    run_relay(CONSUMER, settings.database_url, settings.kafka_bootstrap_servers, stop_on_signals())


def reconcile(escrow: Escrow, args: argparse.Namespace) -> None:
    if args.once:
        report = reconcile_once(escrow.sessions)
        violations = [v.__dict__ | {"check": str(v.check)} for v in report.violations]
        print(json.dumps({"ok": report.ok, "violations": violations}, indent=2))
        sys.exit(0 if report.ok else 1)
    start_http_server(escrow.settings.metrics_port + 200)
    reconcile_every(escrow.sessions, escrow.settings.reconcile_every_seconds, stop_on_signals())


COMMANDS = {
    "migrate": migrate,
    "api": api,
    "consume": consume,
    "relay": relay,
    "reconcile": reconcile,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="hourbank-escrow", description=__doc__)
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--host", default="127.0.0.1", help="api: address to listen on")
    parser.add_argument("--port", type=int, default=0, help="api: port (default from settings)")
    parser.add_argument("--instance-id", help="consume: static group membership id (pod name)")
    parser.add_argument("--once", action="store_true", help="reconcile: one run, exit 1 if dirty")
    args = parser.parse_args()
    escrow = bootstrap()
    configure_logging(f"escrow-{args.command}", escrow.settings.log_level)
    COMMANDS[args.command](escrow, args)


if __name__ == "__main__":
    main()
