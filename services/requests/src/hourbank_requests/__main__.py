"""`hourbank-requests migrate|api|consume|relay|deadlines|overdue`: the requests service's
processes, and `overdue`, which prints the requests stuck longer than their status allows."""

import json
import sys
from dataclasses import asdict
from pathlib import Path

from hourbank_requests.bootstrap import bootstrap
from hourbank_requests.consumers import requests_consumer
from hourbank_requests.deadlines import HEARTBEAT_WINDOW_SECONDS, run_deadlines
from hourbank_requests.handlers import CONSUMER, Context
from hourbank_requests.overdue import overdue_requests
from hourbank_requests.rating_gauges import rating_gauges
from hourbank_shared.cli import ServiceProcesses, Worker, service_main

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def processes() -> ServiceProcesses:
    from hourbank_requests.api.app import create_app

    service = bootstrap()
    return ServiceProcesses(
        name=CONSUMER,
        settings=service.settings,
        alembic_ini=ALEMBIC_INI,
        app=lambda: create_app(service.settings, service.sessions, service.context.time.clock),
        consumer=lambda instance_id: requests_consumer(
            service.context, service.settings.kafka_bootstrap_servers, instance_id=instance_id
        ),
        extra={
            "deadlines": Worker(
                lambda _, heartbeat, stop: run_deadlines(
                    service.context, stop, heartbeat=heartbeat
                ),
                HEARTBEAT_WINDOW_SECONDS,
            )
        },
        scraped={"deadlines": lambda: rating_gauges(service.settings.database_url)},
        tools={"overdue": lambda _: print_overdue(service.context)},
    )


def print_overdue(context: Context) -> None:
    """One JSON line per overdue request; exits 1 if there is any."""
    with context.uow() as uow:
        found = overdue_requests(uow.session, context.time)
    for request in found:
        print(json.dumps(asdict(request), default=str))
    print(f"{len(found)} overdue request(s)", file=sys.stderr)
    sys.exit(1 if found else 0)


def main() -> None:
    service_main(__doc__ or "", processes, extra_commands=("deadlines", "overdue"))


if __name__ == "__main__":
    main()
