"""Topics as code: every topic of the contract, dead-letter and replay topics, relay checkpoints.

`hourbank-topics` creates whatever is missing and sets the configuration of the topics that
exist (idempotent). Consumers and relays create their own dead-letter, replay and checkpoint
topics the same way when they start. Replicas and `min.insync.replicas` of a new topic, and
the retention of dead-letter and replay topics, come from `KafkaTopicSettings`.
"""

import argparse
import os
from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    ResourceType,
)

from hourbank_shared.contracts import topics
from hourbank_shared.kafka import TopicSpec, base_config, checkpoint_spec, dlq_topic, replay_topic
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.settings import KafkaTopicSettings
from hourbank_shared.startup import built_or_exit

SERVICES = ("requests", "escrow", "disputes", "notifications")
"""HourBank's services: the one list (the stack's topology, the relays' checkpoint topics and
the consumers' dead-letter topics all follow it)."""
CONSUMERS = SERVICES
"""Each service runs one consumer, named after it (its dead-letter and replay topics)."""


def dead_letter_spec(consumer: str, settings: KafkaTopicSettings | None = None) -> TopicSpec:
    """A consumer's dead-letter topic: one partition, kept for the configured retention."""
    retention = (settings or KafkaTopicSettings()).kafka_dlq_retention_ms
    return TopicSpec(dlq_topic(consumer), 1, {"retention.ms": str(retention)})


def replay_spec(consumer: str, settings: KafkaTopicSettings | None = None) -> TopicSpec:
    """A consumer's replay topic: one partition, kept for the configured retention."""
    retention = (settings or KafkaTopicSettings()).kafka_replay_retention_ms
    return TopicSpec(replay_topic(consumer), 1, {"retention.ms": str(retention)})


def consumer_topic_specs(
    consumer: str, settings: KafkaTopicSettings | None = None
) -> list[TopicSpec]:
    """The dead-letter and replay topics of one consumer group."""
    settings = settings or KafkaTopicSettings()
    return [dead_letter_spec(consumer, settings), replay_spec(consumer, settings)]


def private_spec(name: str, partitions: int = 6) -> TopicSpec:
    """A private contract topic: compacted, so only each member's latest personal data stays."""
    return TopicSpec(name, partitions, {"cleanup.policy": "compact"})


def all_specs(partitions: int = 6, settings: KafkaTopicSettings | None = None) -> list[TopicSpec]:
    """Every topic HourBank uses."""
    settings = settings or KafkaTopicSettings()
    specs = [TopicSpec(name, partitions) for name in topics.PUBLIC]
    specs += [private_spec(name, partitions) for name in topics.PRIVATE]
    specs += [checkpoint_spec(service) for service in SERVICES]
    for consumer in CONSUMERS:
        specs += consumer_topic_specs(consumer, settings)
    return specs


def create_missing_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    settings: KafkaTopicSettings | None = None,
    timeout: float = 30.0,
    security: KafkaSecurity | None = None,
) -> list[str]:
    """Create the topics that do not exist yet, with the configured replicas; return their names."""
    settings = settings or KafkaTopicSettings()
    admin = AdminClient(base_config(bootstrap, "hourbank-topics", security))
    existing = set(admin.list_topics(timeout=timeout).topics)
    missing = [
        NewTopic(
            spec.name,
            num_partitions=spec.partitions,
            replication_factor=settings.kafka_replication_factor,
            config={"min.insync.replicas": str(settings.kafka_min_insync_replicas), **spec.config},
        )
        for spec in {spec.name: spec for spec in specs}.values()
        if spec.name not in existing
    ]
    if not missing:
        return []
    created: list[str] = []
    for name, future in admin.create_topics(missing, operation_timeout=timeout).items():
        try:
            future.result(timeout)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise RuntimeError(f"could not create topic {name}: {exc}") from exc
    return created


def update_topic_configs(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    timeout: float = 30.0,
    security: KafkaSecurity | None = None,
) -> None:
    """Set each topic's own configuration (retention, compaction) on the broker; others stay."""
    resources = [
        ConfigResource(
            ResourceType.TOPIC,
            spec.name,
            incremental_configs=[
                ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
                for key, value in spec.config.items()
            ],
        )
        for spec in specs
        if spec.config
    ]
    if not resources:
        return
    admin = AdminClient(base_config(bootstrap, "hourbank-topics", security))
    for resource, future in admin.incremental_alter_configs(resources).items():
        try:
            future.result(timeout)
        except KafkaException as exc:
            raise RuntimeError(f"could not configure topic {resource.name}: {exc}") from exc


def main() -> None:
    """`hourbank-topics [--bootstrap …] [--partitions N]`."""
    parser = argparse.ArgumentParser(description="Create HourBank's Kafka topics if missing.")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()
    settings = built_or_exit(KafkaTopicSettings)
    security = built_or_exit(KafkaSecurity)
    specs = all_specs(args.partitions, settings)
    created = create_missing_topics(args.bootstrap, specs, settings, security=security)
    update_topic_configs(args.bootstrap, specs, security=security)
    print(
        f"{len(specs)} topics present on {args.bootstrap} ({len(created)} created with "
        f"{settings.kafka_replication_factor} replicas, "
        f"min.insync.replicas {settings.kafka_min_insync_replicas})"
    )


if __name__ == "__main__":
    main()
