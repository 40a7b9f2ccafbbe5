"""The secure compose stack's broker refuses what it must, for infra/compose-check --secure.

Run inside a service's container, as that service's principal (its HOURBANK_KAFKA_…
settings and password file), with the service's name:

    docker compose run --rm --no-deps -T --entrypoint python requests-consume \\
        -c "$(cat deploy/docker/kafka_probe.py)" requests

It shows four answers of the broker: the principal is authenticated and sees its topics; it
may not write a topic another service owns (the ACLs); a wrong password is refused; a client
that does not speak TLS gets nowhere. Nothing is written to any topic.
"""

import os
import sys
from typing import Any

from confluent_kafka import KafkaException, Producer

from hourbank_shared.kafka import base_config
from hourbank_shared.kafka_access import ACCESS
from hourbank_shared.kafka_security import KafkaSecurity

TIMEOUT = 15.0
QUIET = {"log_level": 0}
"""librdkafka's own log lines off: the errors it reports to `error_cb` are the answer."""


def errors_of(config: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether metadata could be read with this client config, and the client's errors."""
    seen: list[str] = []
    client = Producer({**config, **QUIET, "error_cb": lambda e: seen.append(e.name())})
    try:
        client.list_topics(timeout=TIMEOUT)
    except KafkaException as error:
        seen.append(error.args[0].name())
        return False, seen
    return True, seen


def foreign_write(config: dict[str, Any], topic: str) -> str:
    """The delivery error of one message to a topic the principal does not own."""
    outcome: list[str] = []
    producer = Producer({**config, **QUIET, "message.timeout.ms": int(TIMEOUT * 1000)})
    producer.produce(
        topic, b"probe", on_delivery=lambda e, _: outcome.append(e.name() if e else "OK")
    )
    producer.flush(TIMEOUT + 5)
    return outcome[0] if outcome else "no answer"


def main(service: str) -> None:
    config = base_config(os.environ["KAFKA_BOOTSTRAP_SERVERS"], f"{service}-probe", KafkaSecurity())
    ok, seen = errors_of(config)
    print(f"    {service}: authenticated over SASL_SSL, metadata read: {ok} {seen or ''}")
    foreign = next(
        topic
        for other, access in ACCESS.items()
        if other != service
        for topic in access.writes
        if topic not in ACCESS[service].writes
    )
    denied = foreign_write(config, foreign)
    print(f"    {service}: writing {foreign} (not its topic): {denied}")
    wrong_ok, wrong = errors_of({**config, "sasl.password": "not-the-password"})
    print(f"    {service} with a wrong password: metadata read: {wrong_ok} {sorted(set(wrong))}")
    plain = {k: v for k, v in config.items() if not k.startswith(("sasl.", "ssl."))}
    plain_ok, plain_errors = errors_of({**plain, "security.protocol": "PLAINTEXT"})
    print(f"    a PLAINTEXT client: metadata read: {plain_ok} {sorted(set(plain_errors))}")
    if not ok or denied != "TOPIC_AUTHORIZATION_FAILED" or wrong_ok or plain_ok:
        sys.exit("kafka_probe: the broker did not answer as a secured one must")


if __name__ == "__main__":
    main(sys.argv[1])
