"""What the disputes service knows of a request: its parties, status and the hours held.

Built from the requests service's events (one partition per request keeps them in order):
every event carries the parties and the new status; hours, rate and amount change only with
the events that set what escrow holds.
"""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from hourbank_shared.contracts import requests as ev
from hourbank_shared.contracts.enums import RequestStatus

DISPUTABLE = (
    RequestStatus.ACCEPTED,
    RequestStatus.PENDING_START_CONFIRMATION,
    RequestStatus.IN_PROGRESS,
    RequestStatus.PENDING_COMPLETION_CONFIRMATION,
)
NEVER_DISPUTABLE_AGAIN = (
    RequestStatus.COMPLETED,
    RequestStatus.PAID,
    RequestStatus.REJECTED,
    RequestStatus.EXPIRED,
    RequestStatus.CANCELLED,
    RequestStatus.REFUNDED,
    RequestStatus.SETTLED,
)
"""Final for disputes: no status after these can be disputed, so a projection that shows one
is never behind in a way that matters. Any other status may be (the requests service decides)."""

# events whose amount is what escrow holds from then on (a counter-offer is only proposed, an
# accepted offer is held only once escrow adjusted it, which RequestAccepted then says)
HOLDING = (ev.RequestSubmitted, ev.RequestAwaitingResponse, ev.RequestAccepted, ev.RequestCompleted)


@dataclass(frozen=True)
class ProjectedRequest:
    request_id: UUID
    requester_id: UUID
    provider_id: UUID
    status: RequestStatus
    hours: Decimal | None = None
    rate: Decimal | None = None
    amount: Decimal | None = None
    """What escrow holds for the request now; None until an event said so."""
    sequence: int | None = None
    """The request's version after the event this copy comes from."""

    def party(self, member_id: UUID) -> bool:
        return member_id in (self.requester_id, self.provider_id)

    def other_party(self, member_id: UUID) -> UUID:
        return self.provider_id if member_id == self.requester_id else self.requester_id


def projected(event: ev.RequestEvent) -> ProjectedRequest:
    """The request as this event describes it; None where the event does not say."""
    hours = getattr(event, "hours", None) if isinstance(event, HOLDING) else None
    rate = getattr(event, "rate", None) if isinstance(event, HOLDING) else None
    amount = getattr(event, "amount", None) if isinstance(event, HOLDING) else None
    return ProjectedRequest(
        event.request_id, event.requester_id, event.provider_id, event.status, hours, rate, amount,
        event.sequence,
    )  # fmt: skip
