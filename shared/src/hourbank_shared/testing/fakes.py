"""In-memory fakes of the outbox and inbox ports, held to the same contract suite."""

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from hourbank_shared.envelope import Envelope
from hourbank_shared.outbox import EnvelopingOutbox, OutboxRecord, kafka_headers


class FakeStore:
    """Committed state shared by fake units of work: outbox rows and inbox claims."""

    def __init__(self) -> None:
        self.rows: list[tuple[OutboxRecord, bool]] = []
        self.claims: set[tuple[str, UUID]] = set()
        self._next_id = 1

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def envelopes(self) -> list[Envelope]:
        return [Envelope.from_json(record.payload) for record, _ in self.rows]

    def pending(self, limit: int) -> list[OutboxRecord]:
        return [record for record, published in self.rows if not published][:limit]

    def mark_published(self, ids: list[int]) -> int:
        wanted, marked = set(ids), 0
        for index, (record, published) in enumerate(self.rows):
            if record.id in wanted and not published:
                self.rows[index] = (record, True)
                marked += 1
        return marked

    @contextmanager
    def transaction(self) -> Iterator[tuple["FakeOutbox", "FakeInbox"]]:
        """Staged writes become visible only if the block ends without an exception."""
        outbox, inbox = FakeOutbox(self), FakeInbox(self)
        yield outbox, inbox
        self.rows.extend((record, False) for record in outbox.staged)
        self.claims |= inbox.staged


class FakeOutbox(EnvelopingOutbox):
    def __init__(self, store: FakeStore, source: str = "/hourbank/test") -> None:
        super().__init__(source)
        self._store = store
        self.staged: list[OutboxRecord] = []

    def add_envelope(self, envelope: Envelope, *, topic: str, key: str) -> None:
        record = OutboxRecord(
            self._store.next_id(),
            str(envelope.id),
            topic,
            key,
            envelope.to_json(),
            kafka_headers(envelope),
        )
        self.staged.append(record)


class FakeInbox:
    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.staged: set[tuple[str, UUID]] = set()

    def claim(self, consumer: str, event_id: UUID, event_type: str = "") -> bool:
        key = (consumer, event_id)
        if key in self._store.claims or key in self.staged:
            return False
        self.staged.add(key)
        return True
