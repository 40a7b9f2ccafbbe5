"""A dispute on a request and every step of SPEC §5.

Commands check, in this order, that the caller may see the dispute (else NotVisible, 404),
may do this (else Forbidden, 403) and that the status allows it (else NotAllowedNow, 409,
naming the status). Each step records its contract event. The reactions to the requests
service (`confirmed`, `refused`) never raise: one that does not fit is ignored (False).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from hourbank_disputes.domain.errors import Forbidden, InvalidInput, NotAllowedNow, NotVisible
from hourbank_disputes.domain.evidence import Evidence, EvidenceKind
from hourbank_disputes.domain.projection import (
    DISPUTABLE,
    NEVER_DISPUTABLE_AGAIN,
    ProjectedRequest,
)
from hourbank_shared.contracts import disputes as ev
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import DisputeResolution as R
from hourbank_shared.contracts.enums import DisputeStatus as S
from hourbank_shared.contracts.enums import DisputeType
from hourbank_shared.money import amount_of

OPEN = (S.OPEN, S.UNDER_REVIEW)
WAITING = "waiting for the requests service to confirm the request is DISPUTED"


@dataclass(frozen=True)
class Caller:
    member_id: UUID
    is_admin: bool = False


@dataclass(eq=False)
class Dispute:
    id: UUID
    request: ProjectedRequest
    dispute_type: DisputeType
    raised_by: UUID
    against: UUID
    description: str
    created_at: datetime
    updated_at: datetime
    status: S = S.OPEN
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
        request: ProjectedRequest | None,
        dispute_type: DisputeType,
        description: str,
        now: datetime,
        open_already: UUID | None = None,
    ) -> "Dispute":
        if request is None:
            raise NotVisible("no request known to disputes with that id")
        if not request.party(caller.member_id):
            raise Forbidden("only the requester or the provider of a request may dispute it")
        # Only a final status refuses here: any other may be behind the request by now, so
        # the requests service, which owns it, confirms the dispute or refuses it (REFUSED).
        if request.status in NEVER_DISPUTABLE_AGAIN:
            raise NotAllowedNow(
                f"cannot dispute the request: it is {request.status} "
                f"(allowed only when {' or '.join(DISPUTABLE)})",
                current_status=str(request.status),
            )
        if open_already is not None:
            raise one_open_dispute(open_already)
        dispute = cls(
            dispute_id, request, dispute_type, caller.member_id,
            request.other_party(caller.member_id), description, now, now,
        )  # fmt: skip
        dispute._record(
            ev.DisputeOpened,
            raised_by=dispute.raised_by,
            against=dispute.against,
            dispute_type=dispute_type,
            description=description,
        )
        return dispute

    # who may see and act ----------------------------------------------------------------

    def is_party(self, caller: Caller) -> bool:
        return caller.member_id in (self.raised_by, self.against)

    def visible_to(self, caller: Caller) -> None:
        if not (self.is_party(caller) or caller.is_admin):
            raise NotVisible(f"no dispute {self.id}")

    def _impartial(self, admin: UUID, action: str) -> None:
        """No admin decides on a dispute they are party to, nor on their own request."""
        request = self.request
        parties = (self.raised_by, self.against, request.requester_id, request.provider_id)
        if admin in parties:
            raise Forbidden(
                f"cannot {action}: an admin may not act on a dispute they are party to; "
                "another admin must"
            )

    def _require(self, action: str, *allowed: S) -> None:
        if self.status not in allowed:
            raise NotAllowedNow(
                f"cannot {action}: the dispute is {self.status} "
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
        self._require("add evidence", *OPEN)
        evidence = Evidence(evidence_id, self.id, by.member_id, kind, content, now)
        self.new_evidence.append(evidence)
        self._touch(now)
        self._record(
            ev.DisputeEvidenceAdded, evidence_id=evidence_id, added_by=by.member_id, kind=kind,
            content=content,
        )  # fmt: skip
        return evidence

    def assign(self, admin: UUID, now: datetime) -> None:
        self._impartial(admin, "assign the dispute")
        self._require("assign the dispute", S.OPEN)
        self.status = S.UNDER_REVIEW
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
        self._close(S.RESOLVED, admin, now)
        self._record(
            ev.DisputeResolved, admin_id=admin, resolution=resolution,
            provider_hours=provider_hours, provider_amount=paid, requester_refund=amount - paid,
            note=note,
        )  # fmt: skip

    def dismiss(self, admin: UUID, note: str, now: datetime) -> None:
        self._impartial(admin, "dismiss the dispute")
        self._require_confirmed("dismiss the dispute")
        self.note = note
        self._close(S.DISMISSED, admin, now)
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
        self._close(S.REFUSED, None, now)
        self._record(ev.DisputeRefused, reason=reason)
        return True

    # ------------------------------------------------------------------------------------

    def _close(self, status: S, admin: UUID | None, now: datetime) -> None:
        self.status, self.closed_at = status, now
        if admin is not None and self.assigned_admin is None:
            self.assigned_admin, self.assigned_at = admin, now
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1

    def _record(self, kind: type[ev.DisputeEvent], /, **fields: Any) -> None:
        self.events.append(
            kind(
                dispute_id=self.id,
                request_id=self.request.request_id,
                requester_id=self.request.requester_id,
                provider_id=self.request.provider_id,
                status=self.status,
                **fields,
            )
        )


def one_open_dispute(dispute_id: UUID | None = None) -> NotAllowedNow:
    """The refusal of a second open dispute on one request (naming it when known)."""
    which = f" ({dispute_id})" if dispute_id is not None else ""
    return NotAllowedNow(
        f"the request already has an open dispute{which}; one open dispute per request",
        rule="disputes_one_open",
    )
