"""A dispute on a request and every step of SPEC §5.

Commands check, in this order, that the caller may see the dispute (else NotVisible, 404),
may do this (else Forbidden, 403) and that the status allows it (else NotAllowedNow, 409,
naming the status). Each step records its contract event. The reactions to the requests
service (`confirmed`, `refused`) never raise: one that does not fit is ignored (False).

A dispute on a request disputes has not seen yet is PENDING (`pending`): raised by its caller,
against nobody yet, publishing nothing. When the request's first event arrives, `learn`
decides it as `open` would have decided: OPEN against the other party, or REFUSED.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from hourbank_disputes.domain.errors import Forbidden, InvalidInput, NotAllowedNow, NotVisible
from hourbank_disputes.domain.evidence import Evidence, EvidenceKind
from hourbank_disputes.domain.projection import ProjectedRequest
from hourbank_disputes.domain.refusals import refusal_of
from hourbank_disputes.domain.status import OPEN, DisputeState, in_event
from hourbank_shared.contracts import disputes as ev
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import DisputeResolution as R
from hourbank_shared.contracts.enums import DisputeType
from hourbank_shared.money import amount_of

WAITING = "waiting for the requests service to confirm the request is DISPUTED"
LEARNING = "waiting for the request's first event to reach disputes"


@dataclass(frozen=True)
class Caller:
    member_id: UUID
    is_admin: bool = False


@dataclass(eq=False)
class Dispute:
    id: UUID
    request_id: UUID
    request: ProjectedRequest | None
    """The request as disputes knows it; None while disputes has not seen it (PENDING)."""
    dispute_type: DisputeType
    raised_by: UUID
    against: UUID | None
    """The other party; None until the dispute opens (PENDING, or REFUSED before opening)."""
    description: str
    created_at: datetime
    updated_at: datetime
    status: DisputeState = DisputeState.OPEN
    request_confirmed: bool = False
    assigned_admin: UUID | None = None
    assigned_at: datetime | None = None
    resolution: R | None = None
    provider_hours: Decimal | None = None
    provider_amount: Decimal | None = None
    requester_refund: Decimal | None = None
    note: str | None = None
    refusal_reason: str | None = None
    closed_at: datetime | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)
    new_evidence: list[Evidence] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        dispute_id: UUID,
        caller: Caller,
        request: ProjectedRequest,
        dispute_type: DisputeType,
        description: str,
        now: datetime,
        open_already: UUID | None = None,
    ) -> "Dispute":
        refusal = refusal_of(caller.member_id, request, open_already)
        if refusal is not None:
            raise refusal
        dispute = cls(
            dispute_id, request.request_id, None, dispute_type, caller.member_id, None,
            description, now, now,
        )  # fmt: skip
        dispute._open_on(request)
        return dispute

    @classmethod
    def pending(
        cls,
        dispute_id: UUID,
        caller: Caller,
        request_id: UUID,
        dispute_type: DisputeType,
        description: str,
        now: datetime,
    ) -> "Dispute":
        """A dispute on a request disputes has not seen yet. Unknown is not final, so nothing
        is refused now: `learn` decides once the request's first event arrives."""
        return cls(
            dispute_id, request_id, None, dispute_type, caller.member_id, None, description,
            now, now, status=DisputeState.PENDING,
        )  # fmt: skip

    def learn(
        self,
        request: ProjectedRequest,
        open_already: UUID | None,
        evidence: Sequence[Evidence],
        now: datetime,
    ) -> bool:
        """The projection learned of the request: decide the PENDING dispute as `open` would
        have. REFUSED publishes nothing (nobody but its raiser heard of the dispute, as with
        an immediate refusal); OPEN publishes `dispute.opened`, then the evidence added while
        pending. False if the dispute is not PENDING."""
        if self.status is not DisputeState.PENDING:
            return False
        self.request = request
        refusal = refusal_of(self.raised_by, request, open_already)
        if refusal is not None:
            self.refusal_reason = refusal.detail
            self._close(DisputeState.REFUSED, None, now)
            return True
        self._open_on(request)
        self._touch(now)
        for piece in evidence:
            self._record_evidence(piece)
        return True

    def _open_on(self, request: ProjectedRequest) -> None:
        self.request, self.status = request, DisputeState.OPEN
        self.against = request.other_party(self.raised_by)
        self._record(
            ev.DisputeOpened,
            raised_by=self.raised_by,
            against=self.against,
            dispute_type=self.dispute_type,
            description=self.description,
        )

    # who may see and act ----------------------------------------------------------------

    def is_party(self, caller: Caller) -> bool:
        return caller.member_id in (self.raised_by, self.against)

    def visible_to(self, caller: Caller) -> None:
        if not (self.is_party(caller) or caller.is_admin):
            raise NotVisible(f"no dispute {self.id}")

    def _impartial(self, admin: UUID, action: str) -> None:
        """No admin decides on a dispute they are party to, nor on their own request."""
        parties = {self.raised_by, self.against}
        if self.request is not None:
            parties |= {self.request.requester_id, self.request.provider_id}
        if admin in parties:
            raise Forbidden(
                f"cannot {action}: an admin may not act on a dispute they are party to; "
                "another admin must"
            )

    def _require(self, action: str, *allowed: DisputeState) -> None:
        if self.status not in allowed:
            learning = f", {LEARNING}" if self.status is DisputeState.PENDING else ""
            raise NotAllowedNow(
                f"cannot {action}: the dispute is {self.status}{learning} "
                f"(allowed only when {' or '.join(allowed)})",
                current_status=str(self.status),
            )

    def _require_confirmed(self, action: str) -> None:
        self._require(action, *OPEN)
        if not self.request_confirmed:
            raise NotAllowedNow(f"cannot {action} yet: {WAITING}", current_status=str(self.status))

    # commands ---------------------------------------------------------------------------

    def add_evidence(
        self, evidence_id: UUID, by: Caller, kind: EvidenceKind, content: str, now: datetime
    ) -> Evidence:
        self.visible_to(by)
        if not self.is_party(by):
            raise Forbidden("only the parties of the dispute may add evidence")
        self._require("add evidence", DisputeState.PENDING, *OPEN)
        evidence = Evidence(evidence_id, self.id, by.member_id, kind, content, now)
        self.new_evidence.append(evidence)
        self._touch(now)
        if self.status is not DisputeState.PENDING:  # else published once it opens (`learn`)
            self._record_evidence(evidence)
        return evidence

    def assign(self, admin: UUID, now: datetime) -> None:
        self._impartial(admin, "assign the dispute")
        self._require("assign the dispute", DisputeState.OPEN)
        self.status = DisputeState.UNDER_REVIEW
        self.assigned_admin, self.assigned_at = admin, now
        self._touch(now)
        self._record(ev.DisputeAssigned, admin_id=admin)

    def resolve(
        self,
        admin: UUID,
        resolution: R,
        provider_hours: Decimal | None,
        note: str,
        now: datetime,
    ) -> None:
        self._impartial(admin, "resolve the dispute")
        self._require_confirmed("resolve the dispute")
        assert self.request is not None  # known since the dispute opened
        amount, rate = self.request.amount, self.request.rate
        if amount is None or rate is None:
            raise NotAllowedNow("cannot resolve yet: the hours held for the request are unknown")
        if (resolution is R.SPLIT) != (provider_hours is not None):
            raise InvalidInput("provider_hours: required with SPLIT, and only with SPLIT")
        if resolution is R.PAY_PROVIDER:
            paid = amount
        elif resolution is R.REFUND_REQUESTER:
            paid = Decimal("0.00")
        else:
            assert provider_hours is not None
            paid = amount_of(provider_hours, rate)
            if paid > amount:
                raise InvalidInput(
                    f"provider_hours: {provider_hours} h at rate {rate} is {paid}, "
                    f"more than the {amount} held"
                )
        self.resolution, self.provider_hours, self.note = resolution, provider_hours, note
        self.provider_amount, self.requester_refund = paid, amount - paid
        self._close(DisputeState.RESOLVED, admin, now)
        self._record(
            ev.DisputeResolved, admin_id=admin, resolution=resolution,
            provider_hours=provider_hours, provider_amount=paid, requester_refund=amount - paid,
            note=note,
        )  # fmt: skip

    def dismiss(self, admin: UUID, note: str, now: datetime) -> None:
        """Once the request is confirmed DISPUTED; or while PENDING (a request that never
        reaches disputes), without an event: its parties are unknown, and nobody but its
        raiser heard of it."""
        self._impartial(admin, "dismiss the dispute")
        pending = self.status is DisputeState.PENDING
        if not pending:
            self._require_confirmed("dismiss the dispute")
        self.note = note
        self._close(DisputeState.DISMISSED, admin, now)
        if not pending:
            self._record(ev.DisputeDismissed, admin_id=admin, note=note)

    # reactions to the requests service ----------------------------------------------------

    def confirmed(self, now: datetime) -> bool:
        """The request is DISPUTED: escrow froze the hold, a resolution may settle it."""
        if self.status not in OPEN or self.request_confirmed:
            return False
        self.request_confirmed = True
        self._touch(now)
        return True

    def refused(self, reason: str, now: datetime) -> bool:
        """The requests service could not put the request in dispute."""
        if self.status not in OPEN or self.request_confirmed:
            return False
        self.refusal_reason = reason
        self._close(DisputeState.REFUSED, None, now)
        self._record(ev.DisputeRefused, reason=reason)
        return True

    # ------------------------------------------------------------------------------------

    def _close(self, status: DisputeState, admin: UUID | None, now: datetime) -> None:
        self.status, self.closed_at = status, now
        if admin is not None and self.assigned_admin is None:
            self.assigned_admin, self.assigned_at = admin, now
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1

    def _record_evidence(self, evidence: Evidence) -> None:
        self._record(
            ev.DisputeEvidenceAdded, evidence_id=evidence.id, added_by=evidence.added_by,
            kind=evidence.kind, content=evidence.content,
        )  # fmt: skip

    def _record(self, kind: type[ev.DisputeEvent], /, **fields: Any) -> None:
        request = self.request
        assert request is not None, "a dispute publishes only once its request is known"
        self.events.append(
            kind(
                dispute_id=self.id,
                request_id=self.request_id,
                requester_id=request.requester_id,
                provider_id=request.provider_id,
                status=in_event(self.status),
                **fields,
            )
        )
