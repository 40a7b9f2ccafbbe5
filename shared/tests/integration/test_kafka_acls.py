"""The secure broker (SASL_SSL, ACLs from hourbank_shared.kafka_access) refuses every principal
what the table does not grant: nobody forges another service's events or reads its topics."""

import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

from hourbank_shared.contracts import topics
from hourbank_shared.kafka import (
    base_config,
    consumer_config,
    ensure_topics,
    transactional_id,
    transactional_producer_config,
)
from hourbank_shared.kafka_access import ACCESS
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.testing.secure_kafka import SecureKafka
from hourbank_shared.topic_reader import read_records
from hourbank_shared.topics import all_specs

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(secure_kafka: SecureKafka) -> SecureKafka:
    ensure_topics(secure_kafka.bootstrap, all_specs(), security=secure_kafka.security("admin"))
    return secure_kafka


def produce(broker: SecureKafka, security: KafkaSecurity, topic: str) -> KafkaError | None:
    """The delivery error of one message (None: the broker took it)."""
    errors: list[KafkaError | None] = []
    producer = Producer({**base_config(broker.bootstrap, "acl-test", security), "acks": "all"})
    producer.produce(topic, key=b"k", value=b"v", on_delivery=lambda e, _: errors.append(e))
    assert producer.flush(30) == 0
    return errors[0]


def subscribe_error(broker: SecureKafka, principal: str, topic: str) -> KafkaError | None:
    """The first error a consumer in the principal's group gets on `topic` (None: it read to
    the end)."""
    security = broker.security(principal)
    group = f"{ACCESS[principal].group}-acl-test-{uuid.uuid4().hex[:8]}"
    consumer = Consumer(
        {
            **consumer_config(broker.bootstrap, group, security=security),
            "enable.partition.eof": True,
        }
    )
    consumer.subscribe([topic])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is not None:
                error: KafkaError = message.error()
                return None if error.code() == KafkaError._PARTITION_EOF else error
        raise TimeoutError(f"no answer on {topic} within 30s")
    finally:
        consumer.close()


@pytest.mark.parametrize(
    ("principal", "topic"),
    [
        ("escrow", topics.REQUESTS),
        ("requests", topics.ESCROW),
        ("requests", topics.LEDGER),
        ("disputes", topics.ESCROW),
        ("notifications", topics.MEMBER_CONTACTS),
    ],
)
def test_a_service_cannot_publish_on_another_services_topic(
    broker: SecureKafka, principal: str, topic: str
) -> None:
    error = produce(broker, broker.security(principal), topic)
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_a_service_publishes_on_its_own_topics(broker: SecureKafka) -> None:
    assert produce(broker, broker.security("escrow"), topics.LEDGER) is None
    assert produce(broker, broker.security("requests"), topics.MEMBER_CONTACTS) is None


@pytest.mark.parametrize(
    ("principal", "topic"),
    [
        ("escrow", topics.MEMBER_CONTACTS),
        ("disputes", topics.MEMBER_CONTACTS),
        ("escrow", topics.NOTIFICATIONS),
        ("requests", topics.REQUESTS),
    ],
)
def test_a_service_cannot_read_a_topic_it_does_not_consume(
    broker: SecureKafka, principal: str, topic: str
) -> None:
    error = subscribe_error(broker, principal, topic)
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_the_notifications_service_reads_the_member_contacts(broker: SecureKafka) -> None:
    assert subscribe_error(broker, "notifications", topics.MEMBER_CONTACTS) is None


def test_a_service_cannot_take_over_another_relays_transactional_id(
    broker: SecureKafka,
) -> None:
    """Fencing the requests relay (and publishing as it) is the requests principal's alone."""
    config = transactional_producer_config(
        broker.bootstrap, transactional_id("requests"), broker.security("escrow")
    )
    with pytest.raises(KafkaException) as refused:
        Producer(config).init_transactions(30)
    assert refused.value.args[0].code() == KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED


def test_a_service_reads_its_own_dead_letters_only(broker: SecureKafka) -> None:
    """`hourbank-dlq` runs as the service's principal: its readers' groups are allowed."""
    security = broker.security("escrow")
    assert produce(broker, security, "hourbank.dlq.escrow") is None
    assert read_records(broker.bootstrap, "hourbank.dlq.escrow", 1, 30, security=security)
    with pytest.raises(PermissionError, match=r"hourbank\.dlq\.requests"):
        read_records(broker.bootstrap, "hourbank.dlq.requests", 0, 30, security=security)


def test_a_wrong_password_is_refused(broker: SecureKafka, tmp_path: Path) -> None:
    wrong = tmp_path / "password"
    wrong.write_text("not-the-password")
    errors: list[KafkaError] = []
    security = broker.security("escrow", password_file=wrong)
    producer = Producer(
        {**base_config(broker.bootstrap, "acl-test", security), "error_cb": errors.append}
    )
    deadline = time.monotonic() + 30
    while not errors and time.monotonic() < deadline:
        producer.poll(0.2)
    assert errors and errors[0].code() == KafkaError._AUTHENTICATION, errors
    assert "invalid credentials" in errors[0].str()


def test_a_client_without_tls_gets_nothing(broker: SecureKafka) -> None:
    admin_without_tls = {"bootstrap.servers": broker.bootstrap, "socket.timeout.ms": 5000}
    consumer = Consumer({**admin_without_tls, "group.id": "acl-test"})
    try:
        with pytest.raises(KafkaException):
            consumer.list_topics(timeout=5)
    finally:
        consumer.close()
