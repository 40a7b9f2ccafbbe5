"""Who may do what on Kafka: the one table behind the broker's ACLs and Strimzi's KafkaUsers.

Each service authenticates as its own principal (`User:<service>`) and may write only the
topics it owns, read only the topics it consumes, and use its own consumer group, dead-letter,
replay and relay checkpoint topics and relay transactional id. Those per-service names are
prefixes, so the suffixed groups and relays of the saga tests fall under the same rules.

    python -m hourbank_shared.kafka_access apply      # as the admin principal (hb-infra does)
    python -m hourbank_shared.kafka_access strimzi --write deploy/k8s/overlays/prod/kafka-users.yaml
"""

import argparse
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from hourbank_shared.contracts import topics
from hourbank_shared.kafka import checkpoint_topic, dlq_topic, replay_topic, transactional_id

Resource = Literal["topic", "group", "transactionalId"]
Pattern = Literal["literal", "prefix"]
Operation = Literal["Read", "Write", "Create", "Describe"]


@dataclass(frozen=True)
class Access:
    """What one service does on Kafka, in the words of the README's "Topics" table."""

    writes: tuple[str, ...]
    """The topics it publishes (its relay is their only producer)."""
    reads: tuple[str, ...]
    """The topics its consumer (or faust worker) listens to."""
    group: str
    """Its consumer group."""


ACCESS: dict[str, Access] = {
    "requests": Access(
        writes=(topics.MEMBERS, topics.REQUESTS, topics.MEMBER_CONTACTS),
        reads=(topics.ESCROW, topics.DISPUTES),
        group="requests",
    ),
    "escrow": Access(
        writes=(topics.ESCROW, topics.LEDGER),
        reads=(topics.MEMBERS, topics.REQUESTS, topics.DISPUTES),
        group="escrow",
    ),
    "disputes": Access(
        writes=(topics.DISPUTES,),
        reads=(topics.REQUESTS, topics.MEMBERS),
        group="disputes",
    ),
    "notifications": Access(
        writes=(topics.NOTIFICATIONS,),
        reads=(
            topics.REQUESTS,
            topics.ESCROW,
            topics.DISPUTES,
            topics.MEMBERS,
            topics.LEDGER,
            topics.MEMBER_CONTACTS,
        ),
        group="hourbank-notifications",  # the faust app id
    ),
}

CLUSTER = "hourbank"
"""The Strimzi Kafka cluster the KafkaUsers belong to."""


@dataclass(frozen=True, order=True)
class Rule:
    """One ALLOW rule for a service's principal, as Strimzi's `simple` authorization spells it."""

    resource: Resource
    name: str
    pattern: Pattern
    operations: tuple[Operation, ...]


def own_prefixes(service: str) -> tuple[str, ...]:
    """The service's own topics, by prefix: dead letters, replays, relay checkpoints."""
    checkpoints = checkpoint_topic(service).removesuffix(".checkpoints")
    return (dlq_topic(service), replay_topic(service), checkpoints)


def rules(service: str) -> list[Rule]:
    """Every rule of the service's principal; anything else is denied."""
    access = ACCESS[service]
    own = own_prefixes(service)
    return sorted(
        [
            *(Rule("topic", topic, "literal", ("Describe", "Write")) for topic in access.writes),
            *(Rule("topic", topic, "literal", ("Describe", "Read")) for topic in access.reads),
            # its consumer and relay create them if missing; `hourbank-dlq` reads and replays
            *(
                Rule("topic", prefix, "prefix", ("Create", "Describe", "Read", "Write"))
                for prefix in own
            ),
            Rule("group", access.group, "prefix", ("Describe", "Read")),
            # the readers of its own topics (the relay's checkpoint, `hourbank-dlq`) use groups
            # named after them (topic_reader.reader_group)
            *(Rule("group", prefix, "prefix", ("Describe", "Read")) for prefix in own),
            Rule("transactionalId", transactional_id(service), "prefix", ("Describe", "Write")),
        ]
    )


def kafka_user(service: str) -> dict[str, Any]:
    """The Strimzi KafkaUser of a service: SCRAM-SHA-512, and its rules as simple ACLs."""
    acls = [
        {
            "resource": {"type": rule.resource, "name": rule.name, "patternType": rule.pattern},
            "operations": list(rule.operations),
        }
        for rule in rules(service)
    ]
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaUser",
        "metadata": {"name": service, "labels": {"strimzi.io/cluster": CLUSTER}},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": acls},
        },
    }


def kafka_users_yaml() -> str:
    """Every service's KafkaUser, as the prod overlay's kafka-users.yaml holds them."""
    header = (
        "# Generated from hourbank_shared.kafka_access (do not edit; tests/deploy compares):\n"
        "#   uv run python -m hourbank_shared.kafka_access strimzi --write <this file>\n"
    )
    users = [kafka_user(service) for service in ACCESS]
    return header + yaml.safe_dump_all(users, sort_keys=False, width=100, default_flow_style=None)


def main(argv: Iterable[str] | None = None) -> None:
    """`apply` the ACLs as the admin principal, or print / `--write` / `--check` the KafkaUsers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("action", choices=["apply", "strimzi"])
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--write", type=Path, help="strimzi: write the KafkaUsers to this file")
    parser.add_argument("--check", type=Path, help="strimzi: fail if this file differs")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.action == "apply":
        from hourbank_shared.kafka_acls import apply_acls

        if not args.bootstrap:
            parser.error("--bootstrap or KAFKA_BOOTSTRAP_SERVERS is required")
        for line in apply_acls(args.bootstrap):
            print(line)
        return
    text = kafka_users_yaml()
    if args.write:
        args.write.write_text(text)
    elif args.check:
        if not args.check.exists() or args.check.read_text() != text:
            sys.exit(f"{args.check} is not the table's: run with --write {args.check}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
