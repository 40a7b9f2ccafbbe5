"""`hourbank-relay --name escrow --database-url … --bootstrap …`: one relay process."""

import argparse
import os

from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.logs import configure_logging
from hourbank_shared.process import run_relay, serve_relay, stop_on_signals
from hourbank_shared.startup import built_or_exit
from hourbank_shared.tracing_setup import configure_tracing


def main() -> None:
    parser = argparse.ArgumentParser(description="Publish a service's outbox to Kafka.")
    parser.add_argument("--name", required=True, help="service name (relay identity)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--metrics-port", type=int, default=0, help="serve /metrics, /healthz, /readyz here"
    )
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    security = built_or_exit(KafkaSecurity)
    configure_logging(f"relay-{args.name}")
    configure_tracing(args.name, "relay")
    stop = stop_on_signals()
    if not args.metrics_port:
        run_relay(args.name, args.database_url, args.bootstrap, stop, args.batch_size, security)
        return
    serve_relay(
        args.name,
        args.database_url,
        args.bootstrap,
        args.metrics_port,
        stop,
        security=security,
        batch_size=args.batch_size,
    )


if __name__ == "__main__":
    main()
