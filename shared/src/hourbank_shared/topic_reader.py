"""Reading a topic back as a read_committed consumer would (tools and tests)."""

import time
import uuid
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition

from hourbank_shared.kafka import base_config, header_pairs, watermarks
from hourbank_shared.kafka_security import KafkaSecurity


@dataclass(frozen=True)
class Record:
    """One committed record with its position on the topic."""

    partition: int
    offset: int
    timestamp_ms: int
    key: str
    value: bytes
    headers: list[tuple[str, bytes]]


def reader_group(topic: str, role: str = "reader") -> str:
    """A throw-away group for one reader of `topic`, named after the topic. The reader commits
    nothing, but librdkafka still looks up the group's coordinator, which the broker allows a
    service only for the groups named after its own topics (`kafka_access`)."""
    return f"{topic}-{role}-{uuid.uuid4().hex[:12]}"


def _reader(bootstrap: str, topic: str, security: KafkaSecurity | None) -> Consumer:
    group = reader_group(topic)
    return Consumer(
        {
            **base_config(bootstrap, group, security),
            "group.id": group,
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )


def _record(message: Message) -> Record:
    key = message.key()
    assert not isinstance(key, str)
    return Record(
        partition=message.partition() or 0,
        offset=message.offset() or 0,
        timestamp_ms=message.timestamp()[1],
        key=key.decode() if key else "",
        value=message.value() or b"",
        headers=header_pairs(message),
    )


def end_offsets(
    bootstrap: str, topic: str, security: KafkaSecurity | None = None
) -> dict[int, int]:
    """Where each partition of `topic` ends now: pass as `since` to read only what follows."""
    group = reader_group(topic, "ends")
    consumer = Consumer({**base_config(bootstrap, group, security), "group.id": group})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return {p: watermarks(consumer, TopicPartition(topic, p))[1] for p in partitions}
    finally:
        consumer.close()


def read_all(
    bootstrap: str,
    topic: str,
    expected: int,
    timeout: float = 120.0,
    since: dict[int, int] | None = None,
    security: KafkaSecurity | None = None,
) -> list[tuple[str, bytes, list[tuple[str, bytes]]]]:
    """Every committed record of `topic` (from `since`, or the start) as (key, value, headers),
    after at least `expected` arrived and every partition reported its end (so duplicates past
    `expected` show up)."""
    records = read_records(bootstrap, topic, expected, timeout, since, security)
    return [(record.key, record.value, record.headers) for record in records]


def read_records(
    bootstrap: str,
    topic: str,
    expected: int,
    timeout: float = 120.0,
    since: dict[int, int] | None = None,
    security: KafkaSecurity | None = None,
) -> list[Record]:
    """`read_all` with each record's partition, offset and timestamp."""
    consumer = _reader(bootstrap, topic, security)
    metadata = consumer.list_topics(topic, timeout=10).topics[topic]
    partitions = metadata.partitions
    if metadata.error is not None or not partitions:
        consumer.close()
        denied = KafkaError.TOPIC_AUTHORIZATION_FAILED
        if metadata.error is not None and metadata.error.code() == denied:
            raise PermissionError(f"the Kafka ACLs do not let this principal read {topic}")
        return []
    start = since or {}
    consumer.assign([TopicPartition(topic, p, start.get(p, 0)) for p in partitions])
    records: list[Record] = []
    at_end: set[int] = set()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition() or 0)
                    if len(records) >= expected and at_end == set(partitions):
                        return records
                    continue
                raise RuntimeError(str(error))
            at_end.discard(message.partition())
            records.append(_record(message))
        return records
    finally:
        consumer.close()


def read_at(
    bootstrap: str,
    topic: str,
    partition: int,
    offset: int,
    timeout: float = 30.0,
    security: KafkaSecurity | None = None,
) -> Record | None:
    """The committed record at exactly this position, or None: the position is past the end, or
    holds a transaction marker or an aborted record (the reader skips those)."""
    consumer = _reader(bootstrap, topic, security)
    consumer.assign([TopicPartition(topic, partition, offset)])
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.partition() != partition:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    return None
                raise RuntimeError(f"reading {topic} {partition}:{offset}: {error}")
            return _record(message) if message.offset() == offset else None
        raise TimeoutError(f"reading {topic} {partition}:{offset} took longer than {timeout}s")
    finally:
        consumer.close()
