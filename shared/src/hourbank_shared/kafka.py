"""Kafka client configuration and topic creation (confluent-kafka)."""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from hourbank_shared.kafka_security import KafkaSecurity

Config = dict[str, str | int | float | bool]


SETTLING = frozenset(
    {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
    }
)
"""What a new or restarted broker answers for a moment, while partition leadership settles
(librdkafka does not mark all of these retriable)."""


def watermarks(
    consumer: Consumer, partition: TopicPartition, timeout: float = 10, attempts: int = 40
) -> tuple[int, int]:
    """The partition's (low, high) offsets from the broker, retried while leadership settles."""
    for attempt in range(attempts):
        try:
            low, high = consumer.get_watermark_offsets(partition, timeout=timeout, cached=False)
            return int(low), int(high)
        except KafkaException as exc:
            error = exc.args[0]
            settling = error.retriable() or error.code() in SETTLING
            if not settling or attempt == attempts - 1:
                raise
            time.sleep(0.25)
    raise AssertionError("unreachable")


def base_config(bootstrap: str, client_id: str, security: KafkaSecurity | None = None) -> Config:
    """What every client is built from: the brokers, its id, and how it authenticates and
    encrypts (`security`, else the `HOURBANK_KAFKA_…` settings of the environment)."""
    security = security if security is not None else KafkaSecurity()
    return {"bootstrap.servers": bootstrap, "client.id": client_id, **security.client_config()}


def transactional_id(relay: str) -> str:
    """The transactional id of a relay: the same for every instance, so a new one fences."""
    return f"hourbank-relay-{relay}"


def transactional_producer_config(
    bootstrap: str, transactional_id: str, security: KafkaSecurity | None = None
) -> Config:
    """Idempotent and transactional: a new instance with the same id fences the old one."""
    return {
        **base_config(bootstrap, transactional_id, security),
        "transactional.id": transactional_id,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 2,
        "transaction.timeout.ms": 60000,
    }


def idempotent_producer_config(
    bootstrap: str, client_id: str, security: KafkaSecurity | None = None
) -> Config:
    return {
        **base_config(bootstrap, client_id, security),
        "enable.idempotence": True,
        "acks": "all",
    }


def consumer_config(
    bootstrap: str,
    group_id: str,
    instance_id: str | None = None,
    security: KafkaSecurity | None = None,
) -> Config:
    """read_committed; offsets are stored by the runner only after the effect committed.

    With an `instance_id` (static membership, e.g. the pod name) a restarted process takes
    its partitions back at once instead of waiting for a rebalance.
    """
    static: Config = {"group.instance.id": instance_id} if instance_id else {}
    return {
        **base_config(bootstrap, group_id, security),
        **static,
        "session.timeout.ms": 10000,
        "group.id": group_id,
        "isolation.level": "read_committed",
        "enable.auto.commit": True,
        "enable.auto.offset.store": False,
        "auto.commit.interval.ms": 500,
        "auto.offset.reset": "earliest",
        "max.poll.interval.ms": 600000,
    }


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 6
    config: dict[str, str] = field(default_factory=dict)


def dlq_topic(consumer: str) -> str:
    """The dead-letter topic of one consumer group."""
    return f"hourbank.dlq.{consumer}"


def replay_topic(consumer: str) -> str:
    """Where replayed dead letters go back to the one consumer that failed them."""
    return f"hourbank.replay.{consumer}"


def checkpoint_topic(relay: str) -> str:
    """The compacted topic holding a relay's last published batch (one partition)."""
    return f"hourbank.relay.{relay}.checkpoints"


def checkpoint_spec(relay: str) -> TopicSpec:
    return TopicSpec(
        checkpoint_topic(relay),
        partitions=1,
        config={
            "cleanup.policy": "compact",
            "segment.ms": "600000",
            "min.cleanable.dirty.ratio": "0.1",
        },
    )


def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    timeout: float = 30.0,
    security: KafkaSecurity | None = None,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AdminClient(base_config(bootstrap, "hourbank-topics", security))
    wanted = {spec.name: spec for spec in specs}
    existing = set(admin.list_topics(timeout=timeout).topics)
    missing = [
        NewTopic(s.name, num_partitions=s.partitions, replication_factor=1, config=s.config)
        for name, s in wanted.items()
        if name not in existing
    ]
    if not missing:
        return
    for name, future in admin.create_topics(missing, operation_timeout=timeout).items():
        try:
            future.result(timeout)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise RuntimeError(f"could not create topic {name}: {exc}") from exc


def topic_names(
    bootstrap: str, timeout: float = 30.0, security: KafkaSecurity | None = None
) -> set[str]:
    admin = AdminClient(base_config(bootstrap, "hourbank-topics", security))
    return set(admin.list_topics(timeout=timeout).topics)


def delete_topics(
    bootstrap: str,
    names: Iterable[str],
    timeout: float = 30.0,
    security: KafkaSecurity | None = None,
) -> None:
    """Delete topics, waiting for the broker to accept each deletion."""
    names = list(names)
    if not names:
        return
    admin = AdminClient(base_config(bootstrap, "hourbank-topics", security))
    for future in admin.delete_topics(names, operation_timeout=timeout).values():
        future.result(timeout)


def header_pairs(message: Message) -> list[tuple[str, bytes]]:
    """A message's headers as (name, bytes) pairs."""
    raw = message.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return [
        (str(name), value.encode() if isinstance(value, str) else bytes(value or b""))
        for name, value in pairs
    ]
