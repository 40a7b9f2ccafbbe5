"""`hourbank-disputes migrate|api|consume|relay`: the disputes service's processes."""

from pathlib import Path

from hourbank_disputes.bootstrap import bootstrap
from hourbank_disputes.consumers import disputes_consumer
from hourbank_disputes.handlers import CONSUMER
from hourbank_disputes.metrics import open_disputes
from hourbank_shared.cli import ServiceProcesses, service_main

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def processes() -> ServiceProcesses:
    from hourbank_disputes.api.app import create_app

    service = bootstrap()
    return ServiceProcesses(
        name=CONSUMER,
        settings=service.settings,
        alembic_ini=ALEMBIC_INI,
        app=lambda: create_app(service.settings, service.sessions, service.context.clock),
        consumer=lambda instance_id: disputes_consumer(
            service.context, service.settings.kafka_bootstrap_servers, instance_id=instance_id
        ),
        scraped={"relay": lambda: open_disputes(service.settings.database_url)},
    )


def main() -> None:
    service_main(__doc__ or "", processes)


if __name__ == "__main__":
    main()
