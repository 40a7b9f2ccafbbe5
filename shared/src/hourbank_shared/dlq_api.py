"""`/v1/dead-letters/<consumer>`: one consumer's dead letters over HTTP, for admins.

Every service serves its own consumer's (its Kafka principal may read its dead-letter topic
and write its replay topic: `kafka_access`), through the functions `hourbank-dlq` uses, so the
console and the command line list and replay the same way. Reading asks the broker each time:
the dead-letter topic is the only record of them.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from confluent_kafka import KafkaException
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from hourbank_shared import dlq
from hourbank_shared.auth import admin_principal
from hourbank_shared.errors import InvalidInput, NotFound, ServiceUnavailable
from hourbank_shared.kafka import replay_topic
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor

log = logging.getLogger(__name__)
T = TypeVar("T")

PARTITION_SPAN = 1 << 48
"""A dead letter's place in the list: partition × this + offset (offsets stay far below it)."""

REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not an admin (problem+json)"},
    503: {"description": "Kafka cannot be reached, or refuses this service (problem+json)"},
}


class DeadLetterView(BaseModel):
    """A dead letter, as its consumer described it in its `dlq.` headers."""

    consumer: str
    topic: str = Field(description="Where the message was consumed from.")
    partition: int | None = Field(description="Its partition there.")
    offset: int | None = Field(description="Its offset there.")
    event_id: str | None = Field(description="The envelope's id; null if it did not parse.")
    event_type: str | None
    reason: str = Field(description="handler_failed, unparseable, unknown_type, schema_invalid…")
    error: str
    attempts: int | None
    dlq_partition: int = Field(description="Its partition on the dead-letter topic (it has one).")
    dlq_offset: int = Field(description="Its offset on the dead-letter topic: replay names it.")
    position: str = Field(description="`<dlq_partition>:<dlq_offset>`, as `hourbank-dlq` prints.")
    dead_lettered_at: datetime
    replayed: bool = Field(
        description="Sent to the replay topic and still there (its retention is shorter)."
    )

    @classmethod
    def of(cls, letter: dlq.DeadLetter, replayed: bool) -> "DeadLetterView":
        header = letter.header
        return cls(
            consumer=header("dlq.consumer"),
            topic=header("dlq.topic"),
            partition=_number(header("dlq.partition")),
            offset=_number(header("dlq.offset")),
            event_id=header("dlq.event_id") or None,
            event_type=header("dlq.event_type") or None,
            reason=header("dlq.reason"),
            error=header("dlq.error"),
            attempts=_number(header("dlq.attempts")),
            dlq_partition=letter.position.partition,
            dlq_offset=letter.position.offset,
            position=str(letter.position),
            dead_lettered_at=datetime.fromtimestamp(letter.timestamp_ms / 1000, UTC),
            replayed=replayed,
        )


class ReplayAccepted(BaseModel):
    replay_topic: str = Field(description="Where it went; its consumer handles it from there.")
    dead_letter: DeadLetterView


def dead_letter_router(consumer: str, bootstrap: str, security: KafkaSecurity) -> APIRouter:
    """The admin routes of one consumer's dead letters, connecting as `security` says."""
    router = APIRouter(
        prefix=f"/v1/dead-letters/{consumer}",
        tags=["dead letters", "admin"],
        dependencies=[Depends(admin_principal)],
    )

    @router.get("", responses=REFUSALS)
    def list_dead_letters(limit: Limit = 50, cursor: Cursor = None) -> Page[DeadLetterView]:
        """The consumer's dead letters, oldest first, each saying whether it was replayed."""
        after = decode_cursor(cursor)
        letters, replayed = _asking_kafka(
            lambda: (
                dlq.dead_letters(bootstrap, consumer, security),
                dlq.replayed_positions(bootstrap, consumer, security),
            )
        )
        ordered = sorted(letters, key=_place)
        if after is not None:
            ordered = [letter for letter in ordered if _place(letter) > after]
        shown = ordered[:limit]
        return Page(
            items=[DeadLetterView.of(letter, letter.position in replayed) for letter in shown],
            next_cursor=encode_cursor(_place(shown[-1])) if len(ordered) > limit else None,
        )

    @router.post(
        "/{dlq_offset}/replay",
        status_code=202,
        responses={
            **REFUSALS,
            404: {"description": "No dead letter at that position (problem+json)"},
            422: {"description": "Not an offset nor `<partition>:<offset>` (problem+json)"},
        },
    )
    def replay_dead_letter(dlq_offset: str) -> ReplayAccepted:
        """Send one dead letter back to its consumer only (its replay topic). `dlq_offset` is
        its offset on the dead-letter topic (partition 0) or `<partition>:<offset>`. Replaying
        twice is harmless: the consumer's inbox handles an event once."""
        position = _position(dlq_offset)
        try:
            (letter,) = _asking_kafka(lambda: dlq.replay(bootstrap, consumer, [position], security))
        except dlq.NotADeadLetter as exc:
            raise NotFound(str(exc)) from None
        return ReplayAccepted(
            replay_topic=replay_topic(consumer), dead_letter=DeadLetterView.of(letter, True)
        )

    return router


def _asking_kafka(ask: Callable[[], T]) -> T:
    """What `ask` answers; Kafka out of reach or refusing us is our outage (503)."""
    try:
        return ask()
    except PermissionError as exc:
        log.error("dead letters: %s", exc)
        raise ServiceUnavailable(f"{exc}; see deploy/README.md, Kafka credentials") from None
    except (KafkaException, RuntimeError, TimeoutError) as exc:
        log.warning("dead letters: Kafka did not answer: %s", exc)
        raise ServiceUnavailable("Kafka cannot be reached right now; retry shortly") from None


def _position(text: str) -> dlq.Position:
    try:
        return dlq.Position.parse(text if ":" in text else f"0:{text}")
    except ValueError as exc:
        raise InvalidInput(f"dlq_offset: {exc}") from None


def _place(letter: dlq.DeadLetter) -> int:
    return letter.position.partition * PARTITION_SPAN + letter.position.offset


def _number(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None
