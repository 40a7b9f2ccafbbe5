"""Feeding events to a real escrow consumer through Kafka, as the other services would."""

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from sqlalchemy import select

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.bootstrap import Escrow, bootstrap
from hourbank_escrow.consumers import TOPICS, escrow_consumer
from hourbank_escrow.settings import EscrowSettings
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import TopicSpec, base_config, ensure_topics
from hourbank_shared.migrations import upgrade

ALEMBIC_INI = Path(__file__).parents[2] / "alembic.ini"


def migrate(database_url: str) -> None:
    upgrade(ALEMBIC_INI, database_url, quiet=True)


def escrow_for(database_url: str) -> Escrow:
    settings = EscrowSettings(database_url=database_url, jwt_secret="t" * 32)
    return bootstrap(settings)


@dataclass
class Feed:
    """Unique input topics standing in for the contract's, one running escrow consumer."""

    escrow: Escrow
    bootstrap: str
    topics: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.topics = {topic: f"{topic}.{suffix}" for topic in TOPICS}
        ensure_topics(self.bootstrap, [TopicSpec(name, 3) for name in self.topics.values()])
        self._producer = Producer(base_config(self.bootstrap, "saga-feed"))

    def send(self, event: Event, *, again: Envelope | None = None) -> Envelope:
        """Publish `event` (or redeliver `again`) and wait until escrow has handled it."""
        envelope = again or Envelope.wrap(event, source="/hourbank/test")
        self._producer.produce(
            self.topics[event.TOPIC], key=event.key().encode(), value=envelope.to_json()
        )
        self._producer.flush(10)
        self.wait_handled(envelope.id)
        return envelope

    def wait_handled(self, event_id: uuid.UUID, timeout: float = 30) -> None:
        query = select(t.inbox.c.event_id).where(t.inbox.c.event_id == event_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.escrow.sessions() as session:
                if session.execute(query).first():
                    return
            time.sleep(0.02)
        raise TimeoutError(f"escrow did not handle {event_id}")

    def published(self, caused_by: Envelope) -> list[dict[str, Any]]:
        """The envelopes escrow wrote to its outbox in reaction to one event."""
        query = select(t.outbox.c.payload).order_by(t.outbox.c.id)
        with self.escrow.sessions() as session:
            envelopes = [Envelope.from_json(row.payload) for row in session.execute(query)]
        return [{"type": e.type, **e.data} for e in envelopes if e.causationid == caused_by.id]

    def balance(self, member_id: uuid.UUID) -> tuple[Decimal, Decimal, Decimal]:
        """(total, available, escrowed)"""
        query = select(t.accounts).where(t.accounts.c.member_id == member_id)
        with self.escrow.sessions() as session:
            row = session.execute(query).one()
        return row.total, row.total - row.escrowed, row.escrowed


@contextmanager
def running_feed(escrow: Escrow, kafka: str) -> Iterator[Feed]:
    feed = Feed(escrow, kafka)
    runner = escrow_consumer(
        escrow.context, kafka, group=f"escrow-test-{uuid.uuid4().hex[:8]}",
        topics=list(feed.topics.values()),
    )  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield feed
    finally:
        stop.set()
        thread.join(30)
