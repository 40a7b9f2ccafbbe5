"""`watermarks` waits out a broker whose partition leadership is still settling."""

from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from hourbank_shared.kafka import watermarks


class Settling:
    """Answers like a fresh broker: `errors` refusals, then the offsets."""

    def __init__(self, *errors: int) -> None:
        self.errors = list(errors)
        self.calls = 0

    def get_watermark_offsets(self, *_: Any, **__: Any) -> tuple[int, int]:
        self.calls += 1
        if self.errors:
            raise KafkaException(KafkaError(self.errors.pop(0)))
        return 3, 42


def test_not_leader_and_leader_not_available_are_waited_out() -> None:
    broker = Settling(KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE)
    assert watermarks(broker, TopicPartition("t", 0)) == (3, 42)  # type: ignore[arg-type]
    assert broker.calls == 3


def test_other_errors_and_endless_settling_are_raised() -> None:
    with pytest.raises(KafkaException):
        watermarks(Settling(KafkaError.TOPIC_AUTHORIZATION_FAILED), TopicPartition("t", 0))  # type: ignore[arg-type]
    endless = Settling(*[KafkaError.NOT_LEADER_FOR_PARTITION] * 5)
    with pytest.raises(KafkaException):
        watermarks(endless, TopicPartition("t", 0), attempts=3)  # type: ignore[arg-type]
    assert endless.calls == 3
