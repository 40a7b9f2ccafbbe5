"""One example of every event notifications reacts to, between a requester and a provider."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from hourbank_shared.contracts import disputes as dsp
from hourbank_shared.contracts import ledger, members
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts.enums import (
    DisputeResolution,
    DisputeStatus,
    DisputeType,
    HoldFailureReason,
    Party,
    RequestStatus,
    TransactionType,
)
from hourbank_shared.contracts.member_contacts import MemberContactChanged

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
H = Decimal


class Story:
    def __init__(self, requester: UUID | None = None, provider: UUID | None = None) -> None:
        self.requester = requester or uuid4()
        self.provider = provider or uuid4()
        self.request_id = uuid4()
        self.dispute_id = uuid4()

    def _request(self, status: RequestStatus) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "requester_id": self.requester,
            "provider_id": self.provider,
            "offering_id": uuid4(),
            "status": status,
        }

    def _dispute(self, status: DisputeStatus) -> dict[str, Any]:
        return {
            "dispute_id": self.dispute_id,
            "request_id": self.request_id,
            "requester_id": self.requester,
            "provider_id": self.provider,
            "status": status,
        }

    def awaiting_response(self) -> req.RequestAwaitingResponse:
        r = self._request(RequestStatus.AWAITING_RESPONSE)
        return req.RequestAwaitingResponse(**r, amount=H("2.00"), deadline=AT)

    def rejected(self) -> req.RequestRejected:
        r = self._request(RequestStatus.REJECTED)
        return req.RequestRejected(
            **r, reason=HoldFailureReason.INSUFFICIENT_BALANCE, detail="not enough hours"
        )

    def accepted(self) -> req.RequestAccepted:
        r = self._request(RequestStatus.ACCEPTED)
        return req.RequestAccepted(**r, hours=H("2.00"), rate=H("1.00"), amount=H("2.00"))

    def declined(self, by: Party = Party.PROVIDER) -> req.RequestDeclined:
        who = self.provider if by is Party.PROVIDER else self.requester
        r = self._request(RequestStatus.CANCELLED)
        return req.RequestDeclined(**r, declined_by=who, by_party=by, round=0)

    def counter_offered(self, by: Party = Party.PROVIDER) -> req.RequestCounterOffered:
        r = self._request(RequestStatus.NEGOTIATING)
        return req.RequestCounterOffered(
            **r, round=1, offered_by=by, hours=H("3.00"), rate=H("1.00"), amount=H("3.00"),
            message="more work", deadline=AT,
        )  # fmt: skip

    def offer_acceptance_failed(self) -> req.RequestOfferAcceptanceFailed:
        r = self._request(RequestStatus.NEGOTIATING)
        return req.RequestOfferAcceptanceFailed(
            **r, reason=HoldFailureReason.INSUFFICIENT_BALANCE, detail="not enough hours"
        )

    def expired(self) -> req.RequestExpired:
        r = self._request(RequestStatus.EXPIRED)
        return req.RequestExpired(
            **r, previous_status=RequestStatus.AWAITING_RESPONSE, amount=H("2.00")
        )

    def cancelled(self) -> req.RequestCancelled:
        r = self._request(RequestStatus.CANCELLED)
        return req.RequestCancelled(
            **r, cancelled_by=self.requester, by_party=Party.REQUESTER,
            previous_status=RequestStatus.ACCEPTED, amount=H("2.00"),
        )  # fmt: skip

    def start_reported(self) -> req.RequestStartReported:
        r = self._request(RequestStatus.PENDING_START_CONFIRMATION)
        return req.RequestStartReported(**r, deadline=AT)

    def started(self, auto: bool = False) -> req.RequestStarted:
        return req.RequestStarted(**self._request(RequestStatus.IN_PROGRESS), auto_confirmed=auto)

    def completion_reported(self) -> req.RequestCompletionReported:
        r = self._request(RequestStatus.PENDING_COMPLETION_CONFIRMATION)
        return req.RequestCompletionReported(
            **r, actual_hours=H("1.50"), actual_amount=H("1.50"), deadline=AT
        )

    def completed(self, auto: bool = False) -> req.RequestCompleted:
        r = self._request(RequestStatus.COMPLETED)
        return req.RequestCompleted(
            **r, auto_confirmed=auto, hours=H("2.00"), rate=H("1.00"), amount=H("2.00"),
            actual_hours=H("1.50"), actual_amount=H("1.50"),
        )  # fmt: skip

    def paid(self) -> req.RequestPaid:
        r = self._request(RequestStatus.PAID)
        return req.RequestPaid(**r, provider_amount=H("1.50"), requester_refund=H("0.50"))

    def rated(self) -> req.RequestRated:
        r = self._request(RequestStatus.PAID)
        return req.RequestRated(
            **r, rater_id=self.requester, ratee_id=self.provider, score=5, comment="great"
        )

    def disputed(self) -> req.RequestDisputed:
        r = self._request(RequestStatus.DISPUTED)
        return req.RequestDisputed(
            **r, dispute_id=self.dispute_id, previous_status=RequestStatus.IN_PROGRESS
        )

    def dispute_opened(self) -> dsp.DisputeOpened:
        return dsp.DisputeOpened(
            **self._dispute(DisputeStatus.OPEN), raised_by=self.requester, against=self.provider,
            dispute_type=DisputeType.NO_SHOW, description="never came",
        )  # fmt: skip

    def evidence_added(self) -> dsp.DisputeEvidenceAdded:
        return dsp.DisputeEvidenceAdded(
            **self._dispute(DisputeStatus.OPEN), evidence_id=uuid4(), added_by=self.requester,
            kind="text", content="I waited two hours",
        )  # fmt: skip

    def dispute_assigned(self, admin: UUID) -> dsp.DisputeAssigned:
        return dsp.DisputeAssigned(**self._dispute(DisputeStatus.UNDER_REVIEW), admin_id=admin)

    def dispute_resolved(self, admin: UUID) -> dsp.DisputeResolved:
        return dsp.DisputeResolved(
            **self._dispute(DisputeStatus.RESOLVED), admin_id=admin,
            resolution=DisputeResolution.REFUND_REQUESTER, provider_amount=H("0.00"),
            requester_refund=H("2.00"), note="no-show confirmed",
        )  # fmt: skip

    def dispute_dismissed(self, admin: UUID) -> dsp.DisputeDismissed:
        d = self._dispute(DisputeStatus.DISMISSED)
        return dsp.DisputeDismissed(**d, admin_id=admin, note="no grounds")

    def dispute_refused(self) -> dsp.DisputeRefused:
        d = self._dispute(DisputeStatus.REFUSED)
        return dsp.DisputeRefused(**d, reason="the request was not in progress")


def registered(member: UUID, roles: tuple[str, ...] = ("member",)) -> members.MemberRegisteredV2:
    return members.MemberRegisteredV2(
        member_id=member, display_name="Ada", roles=list(roles), registered_at=AT, sequence=0
    )


def registered_v1(member: UUID, email: str | None = None) -> members.MemberRegistered:
    """As published before contact data left the members topic (with `email`), or since."""
    return members.MemberRegistered(
        member_id=member, display_name="Ada", email=email, roles=["member"], registered_at=AT
    )


def contact(member: UUID, email: str | None, sequence: int = 0) -> MemberContactChanged:
    return MemberContactChanged(member_id=member, email=email, sequence=sequence, changed_at=AT)


def suspended(member: UUID) -> members.MemberSuspended:
    return members.MemberSuspended(member_id=member, reason="spam", by_admin_id=uuid4())


def reactivated(member: UUID) -> members.MemberReactivated:
    return members.MemberReactivated(member_id=member, by_admin_id=uuid4())


def balance_changed(
    member: UUID, kind: TransactionType, delta: str = "5.00", reason: str | None = None
) -> ledger.BalanceChanged:
    d = H(delta)
    return ledger.BalanceChanged(
        member_id=member, transaction_id=uuid4(), transaction_type=kind, entry_id=uuid4(),
        delta_total=d, delta_escrowed=H("0"), total_before=H("0"), total_after=d,
        escrowed_before=H("0"), escrowed_after=H("0"), available_before=H("0"),
        available_after=d, reason=reason, posted_at=AT,
    )  # fmt: skip
