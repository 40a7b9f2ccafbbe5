"""`hourbank-dlq`: list a consumer's dead letters and replay chosen ones by their position.

    hourbank-dlq list escrow
    hourbank-dlq replay escrow 0:17 0:18      # <partition>:<offset> on hourbank.dlq.escrow
    hourbank-dlq replay escrow --all

A dead letter is named by its partition and offset on the dead-letter topic, which never
change, so a list that grew or shrank meanwhile (another operator, retention) cannot make a
replay pick the wrong message. A position that holds no dead letter is refused and nothing
is replayed. A replayed message goes to the consumer's own replay topic (never back to the
public topic, where every other consumer and analyst would see it twice); that consumer then
handles it like any other message, and its inbox makes a second replay harmless.
"""

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from hourbank_shared.kafka import (
    base_config,
    dlq_topic,
    idempotent_producer_config,
    replay_topic,
    watermarks,
)
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.startup import built_or_exit
from hourbank_shared.topic_reader import Record, read_at, read_records, reader_group
from hourbank_shared.topics import consumer_topic_specs, create_missing_topics


@dataclass(frozen=True)
class Position:
    """Where a dead letter is on its dead-letter topic."""

    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.partition}:{self.offset}"

    @classmethod
    def parse(cls, text: str) -> "Position":
        """`<partition>:<offset>`, e.g. `0:17`."""
        partition, colon, offset = text.partition(":")
        if not (colon and partition.isdigit() and offset.isdigit()):
            raise ValueError(f"{text!r} is not <partition>:<offset>, e.g. 0:17")
        return cls(int(partition), int(offset))


REPLAYED_FROM = "dlq.replayed_from"
"""The header of a replayed message naming the dead letter's position."""


class NotADeadLetter(ValueError):
    """A position asked for that holds no dead letter; nothing was replayed."""


@dataclass(frozen=True)
class DeadLetter:
    """A message on a dead-letter topic, with the `dlq.` headers the consumer added."""

    position: Position
    timestamp_ms: int
    key: str
    value: bytes
    headers: list[tuple[str, bytes]]

    @classmethod
    def of(cls, record: Record) -> "DeadLetter":
        """The dead letter a record of the dead-letter topic holds."""
        position = Position(record.partition, record.offset)
        return cls(position, record.timestamp_ms, record.key, record.value, record.headers)

    def header(self, name: str) -> str:
        """The last value of header `name`, decoded, or "" if there is none."""
        values = [value for key, value in self.headers if key == name]
        return values[-1].decode(errors="replace") if values else ""

    def original_headers(self) -> list[tuple[str, str | bytes | None]]:
        """The headers of the message as it was consumed, without the `dlq.` ones."""
        return [(key, value) for key, value in self.headers if not key.startswith("dlq.")]

    def describe(self) -> str:
        """One line: position, time, reason, original topic and position, type, id, error."""
        header = self.header
        when = datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)
        origin = f"{header('dlq.topic')} {header('dlq.partition')}:{header('dlq.offset')}"
        error = " ".join(header("dlq.error").split())
        return (
            f"{self.position}  {when:%Y-%m-%dT%H:%M:%SZ}  {header('dlq.reason')}  from {origin}"
            f"  {header('dlq.event_type') or '?'}  {header('dlq.event_id') or '?'}  {error}"
        )


def dead_letters(
    bootstrap: str, consumer: str, security: KafkaSecurity | None = None
) -> list[DeadLetter]:
    """Every dead letter of one consumer, in order per partition. `security`: how to connect
    (None: the `HOURBANK_KAFKA_…` settings of the environment), here and below."""
    records = read_records(bootstrap, dlq_topic(consumer), 0, 30, security=security)
    return [DeadLetter.of(record) for record in records if _is_dead_letter(record)]


def _is_dead_letter(record: Record) -> bool:
    return any(key == "dlq.reason" for key, _ in record.headers)


def dead_letters_at(
    bootstrap: str,
    consumer: str,
    positions: Iterable[Position],
    security: KafkaSecurity | None = None,
) -> list[DeadLetter]:
    """The dead letters at exactly these positions; NotADeadLetter names every one that is not."""
    topic = dlq_topic(consumer)
    found: list[DeadLetter] = []
    problems: list[str] = []
    for position in dict.fromkeys(positions):
        letter = _dead_letter_at(bootstrap, topic, position, security)
        if isinstance(letter, str):
            problems.append(letter)
        else:
            found.append(letter)
    if problems:
        raise NotADeadLetter(f"not a dead letter on {topic}: " + "; ".join(problems))
    return found


def _dead_letter_at(
    bootstrap: str, topic: str, position: Position, security: KafkaSecurity | None
) -> DeadLetter | str:
    """The dead letter at the position, or why there is none."""
    problem = _outside(bootstrap, topic, position, security)
    if problem is not None:
        return problem
    record = read_at(bootstrap, topic, position.partition, position.offset, security=security)
    if record is None:
        return f"{position} holds no record (a transaction marker or an aborted one)"
    if not _is_dead_letter(record):
        return f"{position} holds a message without a dlq.reason header"
    return DeadLetter.of(record)


def _outside(
    bootstrap: str, topic: str, position: Position, security: KafkaSecurity | None
) -> str | None:
    """Why the position lies outside the topic's records, or None."""
    group = reader_group(topic)
    consumer = Consumer({**base_config(bootstrap, group, security), "group.id": group})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        if metadata.error is not None:
            if metadata.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                return f"{topic} does not exist"
            raise RuntimeError(f"{topic}: {metadata.error}")
        if position.partition not in metadata.partitions:
            return f"{position}: there is no partition {position.partition}"
        low, high = watermarks(consumer, TopicPartition(topic, position.partition))
    finally:
        consumer.close()
    where = f"partition {position.partition}"
    if position.offset >= high:
        return f"{position} is past the end of {where} (its next offset is {high})"
    if position.offset < low:
        return f"{position} was deleted by retention ({where} now starts at {low})"
    return None


def replay(
    bootstrap: str,
    consumer: str,
    positions: Sequence[Position],
    security: KafkaSecurity | None = None,
) -> list[DeadLetter]:
    """Send the dead letters at these positions to the consumer's replay topic, all or none."""
    letters = dead_letters_at(bootstrap, consumer, positions, security)
    return _send(bootstrap, consumer, letters, security)


def replay_all(
    bootstrap: str, consumer: str, security: KafkaSecurity | None = None
) -> list[DeadLetter]:
    """Send every dead letter of the consumer to its replay topic."""
    return _send(bootstrap, consumer, dead_letters(bootstrap, consumer, security), security)


def _send(
    bootstrap: str, consumer: str, letters: list[DeadLetter], security: KafkaSecurity | None
) -> list[DeadLetter]:
    if not letters:
        return []
    create_missing_topics(bootstrap, consumer_topic_specs(consumer), security=security)
    failures: list[str] = []

    def delivered(error: KafkaError | None, message: Message) -> None:
        if error is not None:
            failures.append(str(error))

    producer = Producer(idempotent_producer_config(bootstrap, f"{consumer}-dlq-replay", security))
    for letter in letters:
        headers = letter.original_headers()
        headers.append((REPLAYED_FROM, str(letter.position).encode()))
        producer.produce(
            replay_topic(consumer),
            key=letter.key.encode(),
            value=letter.value,
            headers=headers,
            on_delivery=delivered,
        )
    if producer.flush(30) != 0 or failures:
        raise RuntimeError(f"replayed messages were not all acknowledged: {failures}")
    return letters


def replayed_positions(
    bootstrap: str, consumer: str, security: KafkaSecurity | None = None
) -> set[Position]:
    """The dead letters sent to the replay topic and still on it (its retention is shorter
    than the dead letters': an older replay is forgotten)."""
    records = read_records(bootstrap, replay_topic(consumer), 0, 30, security=security)
    found: set[Position] = set()
    for record in records:
        for key, value in record.headers:
            if key == REPLAYED_FROM:
                try:
                    found.add(Position.parse(value.decode(errors="replace")))
                except ValueError:
                    continue  # not written by `_send`; nothing to mark
    return found


def main(argv: Sequence[str] | None = None) -> None:
    """`hourbank-dlq list|replay <consumer> [<partition>:<offset> ... | --all]`."""
    parser = argparse.ArgumentParser(
        description="List a consumer's dead letters, or replay them by <partition>:<offset>."
    )
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("consumer", help="consumer group, e.g. escrow")
    parser.add_argument(
        "positions", nargs="*", metavar="PARTITION:OFFSET", help="replay: the dead letters"
    )
    parser.add_argument("--all", action="store_true", help="replay: every dead letter")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    args = parser.parse_args(argv)
    built_or_exit(KafkaSecurity)  # a wrong Kafka TLS or SASL setup, said before anything runs
    if args.action == "list":
        if args.positions or args.all:
            parser.error("list takes no positions and no --all")
        try:
            letters = dead_letters(args.bootstrap, args.consumer)
        except PermissionError as exc:
            sys.exit(f"hourbank-dlq: {exc}")
        for letter in letters:
            print(letter.describe())
        print(f"{len(letters)} dead letters on {dlq_topic(args.consumer)}")
        return
    if bool(args.positions) == args.all:
        parser.error("replay needs either PARTITION:OFFSET ... (from `list`) or --all")
    try:
        positions = [Position.parse(text) for text in args.positions]
        if args.all:
            replayed = replay_all(args.bootstrap, args.consumer)
        else:
            replayed = replay(args.bootstrap, args.consumer, positions)
    except (ValueError, PermissionError) as exc:  # NotADeadLetter, a bad position, the ACLs
        sys.exit(f"hourbank-dlq: {exc}; nothing was replayed")
    named = "".join(f" {letter.position}" for letter in replayed)
    print(f"replayed {len(replayed)} dead letters to {replay_topic(args.consumer)}:{named}")


if __name__ == "__main__":
    main()
