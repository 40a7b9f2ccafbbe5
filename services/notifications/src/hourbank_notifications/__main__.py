"""`hourbank-notifications migrate|api|worker|relay|serve`: the notifications service's
processes; `serve` runs the API and the relay as threads beside the faust worker, which keeps
the main thread (it handles the signals)."""

import argparse
import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import faust
import uvicorn

from hourbank_notifications.app import (
    APP_ID,
    HEARTBEAT_WINDOW_SECONDS,
    TOPICS,
    Tick,
    faust_app,
    run_worker,
    use_uvloop,
)
from hourbank_notifications.bootstrap import Notifications, bootstrap
from hourbank_notifications.email.mailer import SmtpMailer
from hourbank_notifications.email.sender import send_due
from hourbank_notifications.handlers import CONSUMER
from hourbank_shared.cli import api_server
from hourbank_shared.consumer import RetryPolicy
from hourbank_shared.heartbeat import Heartbeat, Heartbeats
from hourbank_shared.logs import configure_logging
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import relay_collectors, run_relay, serve, serve_relay, stop_on_signals
from hourbank_shared.relay.core import HEARTBEAT_WINDOW_SECONDS as RELAY_WINDOW_SECONDS
from hourbank_shared.startup import built_or_exit, refuse_published_secret
from hourbank_shared.topics import consumer_topic_specs, create_missing_topics
from hourbank_shared.tracing_setup import configure_tracing

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def migrate(service: Notifications, _: argparse.Namespace) -> None:
    upgrade(ALEMBIC_INI, service.settings.database_url)


def api(service: Notifications, args: argparse.Namespace) -> None:
    from hourbank_notifications.api.app import create_app

    app = create_app(service.settings, service.sessions, service.context.clock)
    settings = service.settings
    port = args.port or settings.api_port
    uvicorn.run(app, host=args.host, port=port, log_config=None, access_log=settings.access_log)


def email_sender(service: Notifications) -> Tick | None:
    settings = service.settings
    if not settings.email_enabled:
        return None
    mailer = SmtpMailer(settings)
    backoff = RetryPolicy(
        settings.email_max_attempts, settings.email_first_backoff, settings.email_max_backoff
    )

    async def tick() -> None:
        await asyncio.to_thread(send_due, service.sessions, mailer, service.context.clock, backoff)

    return tick


def worker(service: Notifications, args: argparse.Namespace) -> None:
    settings = service.settings
    port = settings.metrics_port if args.metrics_port is None else args.metrics_port
    app_id = args.group or APP_ID
    heartbeat = Heartbeat(f"worker {app_id}", HEARTBEAT_WINDOW_SECONDS)
    serve(port, heartbeat)  # 0: any free port
    run_worker(worker_app(service, app_id, args.topic or TOPICS, heartbeat), settings.log_level)


def worker_app(
    service: Notifications, app_id: str, topics: Sequence[str], heartbeat: Heartbeat
) -> faust.App:
    """The faust app, once its dead-letter and replay topics exist (made as every consumer's
    are: replicas, retention), on uvloop's event loop."""
    use_uvloop()  # before anything makes a loop
    settings = service.settings
    create_missing_topics(
        settings.kafka_bootstrap_servers,
        consumer_topic_specs(CONSUMER, settings),
        settings,
        security=settings,
    )
    return faust_app(
        service.context,
        settings.kafka_bootstrap_servers,
        app_id=app_id,
        listen_to=topics,
        every_second=email_sender(service),
        security=settings,
        heartbeat=heartbeat,
    )


def serve_all(service: Notifications, args: argparse.Namespace) -> None:
    settings = service.settings
    stop = threading.Event()
    relay_heartbeat = Heartbeat(f"relay {CONSUMER}", RELAY_WINDOW_SECONDS)
    worker_heartbeat = Heartbeat(f"worker {APP_ID}", HEARTBEAT_WINDOW_SECONDS)
    gauges = relay_collectors(
        CONSUMER, settings.database_url, settings.kafka_bootstrap_servers, settings
    )
    beats = Heartbeats("notifications serve", [worker_heartbeat, relay_heartbeat])
    serve(settings.metrics_port, beats, gauges)
    from hourbank_notifications.api.app import create_app

    app = create_app(settings, service.sessions, service.context.clock)
    api = api_server(app, settings, args)
    threads = [
        threading.Thread(target=api.run, name="api"),
        threading.Thread(
            target=run_relay,
            args=(CONSUMER, settings.database_url, settings.kafka_bootstrap_servers, stop),
            kwargs={"security": settings, "heartbeat": relay_heartbeat},
            name="relay",
        ),
    ]
    for thread in threads:
        thread.start()
    try:
        app_id, topics = args.group or APP_ID, args.topic or TOPICS
        run_worker(worker_app(service, app_id, topics, worker_heartbeat), settings.log_level)
    finally:
        stop.set()
        api.should_exit = True
        for thread in threads:
            thread.join(30)


def relay(service: Notifications, _: argparse.Namespace) -> None:
    settings = service.settings
    serve_relay(
        CONSUMER,
        settings.database_url,
        settings.kafka_bootstrap_servers,
        settings.metrics_port + 100,
        stop_on_signals(),
        security=settings,
    )


COMMANDS = {
    "migrate": migrate,
    "api": api,
    "worker": worker,
    "relay": relay,
    "serve": serve_all,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="hourbank-notifications", description=__doc__)
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--host", default="127.0.0.1", help="api: address to listen on")
    parser.add_argument("--port", type=int, default=0, help="api: port (default from settings)")
    parser.add_argument("--group", help="worker, serve: faust app id / consumer group (tests)")
    parser.add_argument("--topic", action="append", help="worker, serve: these topics only")
    parser.add_argument("--metrics-port", type=int, help="worker: metrics port")
    args = parser.parse_args()
    service = built_or_exit(bootstrap)
    configure_logging(f"notifications-{args.command}", service.settings.log_level)
    configure_tracing("notifications", args.command)
    refuse_published_secret(service.settings)
    COMMANDS[args.command](service, args)


if __name__ == "__main__":
    main()
