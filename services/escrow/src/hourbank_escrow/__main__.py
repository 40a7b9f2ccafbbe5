"""`hourbank-escrow migrate|api|consume|relay|reconcile`: the escrow service's processes."""

import argparse
import json
import sys
import threading
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.bootstrap import bootstrap
from hourbank_escrow.consumers import escrow_consumer
from hourbank_escrow.handlers import CONSUMER
from hourbank_escrow.metrics import export_reconciliation, held_hours
from hourbank_escrow.reconciler import HEARTBEAT_WINDOW_SECONDS, reconcile_every, reconcile_once
from hourbank_shared.cli import ServiceProcesses, Worker, service_main
from hourbank_shared.heartbeat import Heartbeat

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def reconcile(
    sessions: sessionmaker[Session],
    every: float,
    args: argparse.Namespace,
    heartbeat: Heartbeat,
    stop: threading.Event,
) -> None:
    if not getattr(args, "once", False):
        export_reconciliation()
        reconcile_every(sessions, every, stop, heartbeat)
        return
    report = reconcile_once(sessions)
    violations = [v.__dict__ | {"check": str(v.check)} for v in report.violations]
    print(json.dumps({"ok": report.ok, "violations": violations}, indent=2))
    sys.exit(0 if report.ok else 1)


def processes() -> ServiceProcesses:
    from hourbank_escrow.api.app import create_app

    service = bootstrap()
    every = service.settings.reconcile_every_seconds
    return ServiceProcesses(
        name=CONSUMER,
        settings=service.settings,
        alembic_ini=ALEMBIC_INI,
        app=lambda: create_app(service.settings, service.sessions, service.context.clock),
        consumer=lambda instance_id: escrow_consumer(
            service.context, service.settings.kafka_bootstrap_servers, instance_id=instance_id
        ),
        extra={
            "reconcile": Worker(
                lambda args, heartbeat, stop: reconcile(
                    service.sessions, every, args, heartbeat, stop
                ),
                HEARTBEAT_WINDOW_SECONDS,
            )
        },
        scraped={"reconcile": lambda: held_hours(service.settings.database_url)},
    )


def once_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="reconcile: one run, exit 1 if dirty")


def main() -> None:
    service_main(__doc__ or "", processes, add_arguments=once_option, extra_commands=("reconcile",))


if __name__ == "__main__":
    main()
