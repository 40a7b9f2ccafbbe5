"""A request's events as the requests service publishes them, fed to the disputes consumer."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.consumers import routes
from hourbank_disputes.handlers import Context
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.envelope import Envelope

SOURCE = "/hourbank/requests"
LATER = datetime(2030, 1, 1, tzinfo=UTC)
TERMS = {"hours": "2.00", "rate": "1.50", "amount": "3.00"}


@dataclass
class Story:
    ctx: Context
    request_id: UUID = field(default_factory=uuid4)
    requester_id: UUID = field(default_factory=uuid4)
    provider_id: UUID = field(default_factory=uuid4)
    offering_id: UUID = field(default_factory=uuid4)
    sequence: int = 0
    """The request's version, as the requests service numbers its events."""

    def event(self, kind: type[req.RequestEvent], status: S, **fields: Any) -> req.RequestEvent:
        """The request's next event, numbered as the requests service numbers them."""
        if "sequence" not in fields:
            self.sequence += 1
            fields["sequence"] = self.sequence
        return kind(
            request_id=self.request_id, requester_id=self.requester_id,
            provider_id=self.provider_id, offering_id=self.offering_id, status=status, **fields,
        )  # fmt: skip

    def submitted(self) -> req.RequestEvent:
        return self.event(req.RequestSubmitted, S.INITIATED, offering_title="Garden",
                          message="", submitted_at=LATER, **TERMS)  # fmt: skip

    def feed(self, kind: type[req.RequestEvent], status: S, **fields: Any) -> Envelope:
        """The disputes consumer handles one request event, as from Kafka (it skips the types
        it has no handler for, as its consumer does)."""
        event = self.event(kind, status, **fields)
        envelope = Envelope.wrap(event, source=SOURCE)
        handler = routes(self.ctx).get(kind.TYPE)
        if handler is not None:
            handler(envelope, event)
        return envelope

    def in_progress(self, hours: str = "2.00", rate: str = "1.50", amount: str = "3.00") -> None:
        terms = {"hours": hours, "rate": rate, "amount": amount}
        self.feed(req.RequestSubmitted, S.INITIATED, offering_title="Garden", message="",
                  submitted_at=LATER, **terms)  # fmt: skip
        self.feed(req.RequestAwaitingResponse, S.AWAITING_RESPONSE, amount=amount,
                  deadline=LATER)  # fmt: skip
        self.feed(req.RequestAccepted, S.ACCEPTED, **terms)
        self.feed(req.RequestStartReported, S.PENDING_START_CONFIRMATION, deadline=LATER)
        self.feed(req.RequestStarted, S.IN_PROGRESS, auto_confirmed=False)

    def completed(self) -> None:
        self.in_progress()
        self.feed(req.RequestCompletionReported, S.PENDING_COMPLETION_CONFIRMATION,
                  actual_hours="2.00", actual_amount="3.00", deadline=LATER)  # fmt: skip
        self.feed(req.RequestCompleted, S.COMPLETED, auto_confirmed=False, actual_hours="2.00",
                  actual_amount="3.00", **TERMS)  # fmt: skip

    def disputed(self, dispute_id: UUID | str) -> Envelope:
        return self.feed(req.RequestDisputed, S.DISPUTED, dispute_id=dispute_id,
                         previous_status=S.IN_PROGRESS)  # fmt: skip

    def dispute_refused(self, dispute_id: UUID | str, reason: str) -> Envelope:
        return self.feed(req.RequestDisputeRefused, S.COMPLETED, dispute_id=dispute_id,
                         reason=reason)  # fmt: skip


def published(sessions: sessionmaker[Session]) -> list[Envelope]:
    """Every envelope in the disputes outbox, oldest first."""
    with sessions() as session:
        rows = session.execute(select(t.outbox.c.payload).order_by(t.outbox.c.id)).all()
    return [Envelope.from_json(row.payload) for row in rows]
