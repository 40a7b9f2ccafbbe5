"""Reading a whole topic back as a read_committed consumer would (tools and tests)."""

import time
import uuid

from confluent_kafka import Consumer, KafkaError, TopicPartition

from hourbank_shared.kafka import header_pairs, watermarks


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Where each partition of `topic` ends now: pass as `since` to read only what follows."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ends-{uuid.uuid4().hex}"})
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
) -> list[tuple[str, bytes, list[tuple[str, bytes]]]]:
    """Every committed record of `topic` (from `since`, or the start) as (key, value, headers),
    after at least `expected` arrived and every partition reported its end (so duplicates past
    `expected` show up)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    metadata = consumer.list_topics(topic, timeout=10).topics[topic]
    partitions = metadata.partitions
    if metadata.error is not None or not partitions:
        consumer.close()
        return []
    start = since or {}
    consumer.assign([TopicPartition(topic, p, start.get(p, 0)) for p in partitions])
    records: list[tuple[str, bytes, list[tuple[str, bytes]]]] = []
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
            key = message.key()
            assert not isinstance(key, str)
            headers = header_pairs(message)
            records.append((key.decode() if key else "", message.value() or b"", headers))
        return records
    finally:
        consumer.close()
