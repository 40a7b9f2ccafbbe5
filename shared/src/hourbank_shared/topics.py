"""Topics as code: every topic of the contract, DLQs and relay checkpoints.

`hourbank-topics` creates whatever is missing (idempotent).
"""

import argparse
import os

from hourbank_shared.contracts import topics
from hourbank_shared.kafka import TopicSpec, checkpoint_spec, consumer_specs, ensure_topics

SERVICES = ("requests", "escrow", "notifications", "disputes")
CONSUMERS = ("requests", "escrow", "notifications", "disputes")


def all_specs(partitions: int = 6) -> list[TopicSpec]:
    specs = [TopicSpec(name, partitions) for name in topics.ALL]
    specs += [checkpoint_spec(service) for service in SERVICES]
    for consumer in CONSUMERS:
        specs += consumer_specs(consumer)
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description="Create HourBank's Kafka topics if missing.")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()
    specs = all_specs(args.partitions)
    ensure_topics(args.bootstrap, specs)
    print(f"{len(specs)} topics present on {args.bootstrap}")


if __name__ == "__main__":
    main()
