"""The request lifecycle's vocabulary: statuses, who acts, deadlines and the history entry."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from hourbank_shared.contracts.enums import RequestStatus as S

TERMINAL = frozenset({S.PAID, S.REJECTED, S.EXPIRED, S.CANCELLED, S.REFUNDED, S.SETTLED})
DISPUTABLE = frozenset(
    {S.ACCEPTED, S.PENDING_START_CONFIRMATION, S.IN_PROGRESS, S.PENDING_COMPLETION_CONFIRMATION}
)
RATEABLE = frozenset({S.PAID, S.SETTLED})
MAX_ROUNDS = 5


class Actor(StrEnum):
    REQUESTER = "requester"
    PROVIDER = "provider"
    SYSTEM = "system"
    ESCROW = "escrow"
    DISPUTES = "disputes"


class DeadlineKind(StrEnum):
    ESCROW_ANSWER = "ESCROW_ANSWER"
    """INITIATED: escrow has not answered the submission (its event may be dead-lettered)."""
    RESPONSE = "RESPONSE"
    NEGOTIATION = "NEGOTIATION"
    START_CONFIRMATION = "START_CONFIRMATION"
    COMPLETION_CONFIRMATION = "COMPLETION_CONFIRMATION"


ESCROW_ANSWER_SECONDS = 300.0
"""How long a submission waits for escrow by default: real seconds, not a business window
(escrow answers in milliseconds; this bounds a dead letter or an outage, not a member)."""
NEGOTIATION_HOURS = 24
CONFIRMATION_HOURS = 48

DEADLINE_OF = {
    S.AWAITING_RESPONSE: DeadlineKind.RESPONSE,
    S.NEGOTIATING: DeadlineKind.NEGOTIATION,
    S.PENDING_START_CONFIRMATION: DeadlineKind.START_CONFIRMATION,
    S.PENDING_COMPLETION_CONFIRMATION: DeadlineKind.COMPLETION_CONFIRMATION,
}
"""The deadline that runs in each status (none in the others)."""


@dataclass(frozen=True)
class HistoryEntry:
    from_status: S | None
    to_status: S
    trigger: str
    actor: Actor
    actor_id: UUID | None
    at: datetime
    event_id: UUID | None = None
    detail: str | None = None
