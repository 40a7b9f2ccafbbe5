"""`hourbank-relay --name escrow --database-url … --bootstrap …`: one relay process."""

import argparse
import logging
import os
import signal
import threading

from prometheus_client import start_http_server
from sqlalchemy import MetaData

from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.logs import configure_logging
from hourbank_shared.outbox import SqlOutboxStore, outbox_table
from hourbank_shared.relay import metrics
from hourbank_shared.relay.core import Relay, RelayConfig
from hourbank_shared.settings import libpq_url

log = logging.getLogger("hourbank.relay")


def run_forever(relay: Relay, stop: threading.Event, name: str) -> None:
    """Run the relay; after an error start over (new producer, fencing, recovery)."""
    backoff = 0.5
    while not stop.is_set():
        try:
            relay.run(stop)
            backoff = 0.5
        except Exception:
            metrics.RESTARTS.labels(name).inc()
            log.exception("relay %s failed; restarting in %.1fs", name, backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)


def main() -> None:
    parser = argparse.ArgumentParser(description="Publish a service's outbox to Kafka.")
    parser.add_argument("--name", required=True, help="service name (relay identity)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--metrics-port", type=int, default=0)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    configure_logging(f"relay-{args.name}")
    if args.metrics_port:
        start_http_server(args.metrics_port)
    engine = make_engine(args.database_url, pool_size=2)
    store = SqlOutboxStore(session_factory(engine), outbox_table(MetaData()))
    config = RelayConfig(
        args.name, args.bootstrap, libpq_url(args.database_url), batch_size=args.batch_size
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_forever(Relay(config, store), stop, args.name)


if __name__ == "__main__":
    main()
