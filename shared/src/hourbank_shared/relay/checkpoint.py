"""A relay's checkpoint: the outbox ids of its last batch, committed in the same Kafka
transaction as the batch itself, on a one-partition compacted topic only it writes."""

import json
from datetime import UTC, datetime

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, TopicPartition

from hourbank_shared.kafka import base_config, watermarks
from hourbank_shared.kafka_security import KafkaSecurity


def encode(relay: str, ids: list[int]) -> bytes:
    return json.dumps(
        {"relay": relay, "ids": ids, "at": datetime.now(UTC).isoformat()}, separators=(",", ":")
    ).encode()


def decode(value: bytes) -> list[int]:
    return [int(i) for i in json.loads(value)["ids"]]


def last_checkpoint(
    bootstrap: str, topic: str, timeout: float = 30.0, security: KafkaSecurity | None = None
) -> list[int] | None:
    """The ids of the last committed batch, or None if the relay never committed one.

    Must be called after the relay's producer ran init_transactions(), so no transaction
    of a previous instance is still open and the read_committed end is final.
    """
    consumer = Consumer(
        {
            **base_config(bootstrap, f"{topic}-reader", security),
            "group.id": f"{topic}-reader",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        low, high = watermarks(consumer, TopicPartition(topic, 0), timeout=timeout)
        if high in (OFFSET_INVALID, low):
            return None
        window = 16
        while True:
            start = max(low, high - window)
            found = _last_value_from(consumer, topic, start, timeout)
            if found is not None:
                return decode(found)
            if start == low:
                return None
            window *= 8
    finally:
        consumer.close()


def _last_value_from(consumer: Consumer, topic: str, start: int, timeout: float) -> bytes | None:
    """Read from `start` to the end of the partition; return the last record's value."""
    consumer.assign([TopicPartition(topic, 0, start)])
    last: bytes | None = None
    deadline = datetime.now(UTC).timestamp() + timeout
    while datetime.now(UTC).timestamp() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                return last
            raise RuntimeError(f"reading checkpoint topic {topic}: {error}")
        last = message.value()
    raise TimeoutError(f"reading checkpoint topic {topic} did not reach its end in {timeout}s")
