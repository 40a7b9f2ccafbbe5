"""Disputes and the requests they are about, for unit tests."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_disputes.domain.dispute import Caller, Dispute
from hourbank_disputes.domain.projection import ProjectedRequest
from hourbank_shared.contracts.enums import DisputeType, RequestStatus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = Caller(uuid4(), is_admin=True)


def request(status: RequestStatus = RequestStatus.IN_PROGRESS, **terms: object) -> ProjectedRequest:
    values: dict[str, object] = {
        "request_id": uuid4(),
        "requester_id": uuid4(),
        "provider_id": uuid4(),
        "status": status,
        "hours": Decimal("2.00"),
        "rate": Decimal("1.50"),
        "amount": Decimal("3.00"),
    } | terms
    return ProjectedRequest(**values)  # type: ignore[arg-type]


def opened(
    on: ProjectedRequest | None = None, by: UUID | None = None, confirmed: bool = False
) -> Dispute:
    on = on or request()
    dispute = Dispute.open(
        uuid4(), Caller(by or on.requester_id), on, DisputeType.NO_SHOW, "never came", NOW
    )
    dispute.events.clear()
    if confirmed:
        dispute.confirmed(NOW)
    return dispute
