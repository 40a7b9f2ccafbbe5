"""`hourbank-requests migrate|api|consume|relay|deadlines`: the requests service's processes."""

from pathlib import Path

from hourbank_requests.bootstrap import bootstrap
from hourbank_requests.consumers import requests_consumer
from hourbank_requests.deadlines import run_deadlines
from hourbank_requests.handlers import CONSUMER
from hourbank_shared.cli import ServiceProcesses, service_main
from hourbank_shared.process import stop_on_signals

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
        extra={"deadlines": lambda _: run_deadlines(service.context, stop_on_signals())},
    )


def main() -> None:
    service_main(__doc__ or "", processes, extra_commands=("deadlines",))


if __name__ == "__main__":
    main()
