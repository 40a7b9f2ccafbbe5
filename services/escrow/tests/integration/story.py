"""Events of one request's life, as the requests and disputes services would publish them."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hourbank_shared.contracts.disputes import DisputeDismissed, DisputeResolved
from hourbank_shared.contracts.enums import (
    DisputeResolution,
    DisputeStatus,
    Party,
    RequestStatus,
)
from hourbank_shared.contracts.members import MemberRegistered, MemberRegisteredV2, MemberSuspended
from hourbank_shared.contracts.requests import (
    RequestCancelled,
    RequestCompleted,
    RequestDeclined,
    RequestDisputed,
    RequestExpired,
    RequestOfferAccepted,
    RequestSubmitted,
)

D = Decimal
ONE = D("1.00")


def registered(member_id: uuid.UUID) -> MemberRegistered:
    return MemberRegistered(
        member_id=member_id,
        display_name="member",
        roles=["member"],
        registered_at=datetime.now(UTC),
    )


def registered_v2(member_id: uuid.UUID) -> MemberRegisteredV2:
    return MemberRegisteredV2(
        member_id=member_id,
        display_name="member",
        roles=["member"],
        registered_at=datetime.now(UTC),
        sequence=0,
    )


def suspended(member_id: uuid.UUID) -> MemberSuspended:
    return MemberSuspended(member_id=member_id, reason="test", by_admin_id=uuid.uuid4())


@dataclass
class Story:
    requester_id: uuid.UUID = field(default_factory=uuid.uuid4)
    provider_id: uuid.UUID = field(default_factory=uuid.uuid4)
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    dispute_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def _request(self, status: RequestStatus) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "requester_id": self.requester_id,
            "provider_id": self.provider_id,
            "offering_id": uuid.uuid4(),
            "status": status,
        }

    def _dispute(self, status: DisputeStatus) -> dict[str, Any]:
        return {
            "dispute_id": self.dispute_id,
            "request_id": self.request_id,
            "requester_id": self.requester_id,
            "provider_id": self.provider_id,
            "status": status,
        }

    def submitted(self, amount: str) -> RequestSubmitted:
        return RequestSubmitted(
            **self._request(RequestStatus.INITIATED), offering_title="help", hours=D(amount),
            rate=ONE, amount=D(amount), message="please", submitted_at=datetime.now(UTC),
        )  # fmt: skip

    def offer_accepted(self, amount: str, previous: str) -> RequestOfferAccepted:
        return RequestOfferAccepted(
            **self._request(RequestStatus.NEGOTIATING), accepted_by=Party.REQUESTER,
            hours=D(amount), rate=ONE, amount=D(amount), previous_amount=D(previous),
        )  # fmt: skip

    def declined(self) -> RequestDeclined:
        return RequestDeclined(
            **self._request(RequestStatus.REJECTED), declined_by=self.provider_id,
            by_party=Party.PROVIDER, round=0,
        )  # fmt: skip

    def expired(self, amount: str) -> RequestExpired:
        return RequestExpired(
            **self._request(RequestStatus.EXPIRED),
            previous_status=RequestStatus.AWAITING_RESPONSE, amount=D(amount),
        )  # fmt: skip

    def cancelled(self, amount: str) -> RequestCancelled:
        return RequestCancelled(
            **self._request(RequestStatus.CANCELLED), cancelled_by=self.requester_id,
            by_party=Party.REQUESTER, previous_status=RequestStatus.ACCEPTED, amount=D(amount),
        )  # fmt: skip

    def completed(self, amount: str, actual: str) -> RequestCompleted:
        return RequestCompleted(
            **self._request(RequestStatus.COMPLETED), auto_confirmed=False, hours=D(amount),
            rate=ONE, amount=D(amount), actual_hours=D(actual), actual_amount=D(actual),
        )  # fmt: skip

    def disputed(self) -> RequestDisputed:
        return RequestDisputed(
            **self._request(RequestStatus.DISPUTED), dispute_id=self.dispute_id,
            previous_status=RequestStatus.IN_PROGRESS,
        )  # fmt: skip

    def dismissed(self) -> DisputeDismissed:
        return DisputeDismissed(
            **self._dispute(DisputeStatus.DISMISSED), admin_id=uuid.uuid4(), note="no case"
        )

    def resolved(
        self, resolution: DisputeResolution, provider: str, refund: str
    ) -> DisputeResolved:
        return DisputeResolved(
            **self._dispute(DisputeStatus.RESOLVED), admin_id=uuid.uuid4(), resolution=resolution,
            provider_amount=D(provider), requester_refund=D(refund), note="decided",
        )  # fmt: skip
