"""`hourbank-dlq list|replay <consumer>`: inspect dead letters and send them back.

A replayed message goes to the consumer's own replay topic (never back to the public
topic, where every other consumer and analyst would see it twice); that consumer then
handles it like any other message, and its inbox makes a second replay harmless.
"""

import argparse
import os
from dataclasses import dataclass

from confluent_kafka import Producer

from hourbank_shared.kafka import dlq_topic, idempotent_producer_config, replay_topic
from hourbank_shared.topic_reader import read_all


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    key: str
    value: bytes
    headers: dict[str, bytes]

    def header(self, name: str) -> str:
        return self.headers.get(name, b"").decode(errors="replace")

    def original_headers(self) -> list[tuple[str, str | bytes | None]]:
        return [(k, v) for k, v in self.headers.items() if not k.startswith("dlq.")]


def dead_letters(bootstrap: str, consumer: str) -> list[DeadLetter]:
    """Every dead letter of one consumer, oldest first."""
    records = read_all(bootstrap, dlq_topic(consumer), expected=0, timeout=30)
    return [
        DeadLetter(offset, key, value, dict(headers))
        for offset, (key, value, headers) in enumerate(records)
    ]


def replay(bootstrap: str, consumer: str, offsets: set[int] | None = None) -> int:
    """Send the chosen dead letters (all if `offsets` is None) to the consumer's replay topic."""
    chosen = [
        d for d in dead_letters(bootstrap, consumer) if offsets is None or d.offset in offsets
    ]
    producer = Producer(idempotent_producer_config(bootstrap, f"{consumer}-dlq-replay"))
    for letter in chosen:
        headers = letter.original_headers()
        headers.append(("dlq.replayed_from", str(letter.offset).encode()))
        producer.produce(
            replay_topic(consumer), key=letter.key.encode(), value=letter.value, headers=headers
        )
    if producer.flush(30) != 0:
        raise RuntimeError("replayed messages were not all acknowledged")
    return len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("consumer", help="consumer group, e.g. escrow")
    parser.add_argument("--offset", type=int, action="append", help="replay only these")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    args = parser.parse_args()
    if args.action == "list":
        letters = dead_letters(args.bootstrap, args.consumer)
        for d in letters:
            print(
                f"#{d.offset} {d.header('dlq.reason')} from {d.header('dlq.topic')}"
                f"@{d.header('dlq.offset')} type={d.header('dlq.event_type') or '?'}"
                f" id={d.header('dlq.event_id') or '?'}: {d.header('dlq.error')}"
            )
        print(f"{len(letters)} dead letters for {args.consumer}")
    else:
        offsets = set(args.offset) if args.offset else None
        count = replay(args.bootstrap, args.consumer, offsets)
        print(f"replayed {count} dead letters to {replay_topic(args.consumer)}")


if __name__ == "__main__":
    main()
