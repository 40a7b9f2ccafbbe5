"""Escrow holds: one per service request, resolved at most once.

A hold without a status holds nothing: either nothing has arrived yet ("none") or the request
ended before any hours were held ("tombstone"). "resolved" is RELEASED, REFUNDED or SETTLED.
NO_OP and REFUSED change nothing and never move hours.

| op / status   | none       | tombstone   | HELD             | FROZEN by f        | resolved    |
|---------------|------------|-------------|------------------|--------------------|-------------|
| place(a)      | HELD [1]   | REFUSED IS+ | NO_OP            | NO_OP              | NO_OP       |
| adjust(a')    | REFUSED HM | REFUSED IS  | adjusted [2]     | REFUSED IS+        | REFUSED IS+ |
| release(p)    | REFUSED HM | NO_OP       | RELEASED [3]     | REFUSED IS         | NO_OP       |
| refund()      | tombstone  | NO_OP       | REFUNDED [4]     | REFUSED IS         | NO_OP       |
| freeze(d)     | REFUSED HM | REFUSED IS  | FROZEN [5]       | d=f NO_OP, else IS | [6]         |
| unfreeze(d)   | REFUSED HM | REFUSED IS  | d remembered [7] | d=f HELD [8]       | REFUSED IS  |
| settle(d,r,p) | REFUSED HM | NO_OP       | SETTLED [9]      | d=f SETTLED [9]    | NO_OP       |

HM = HOLD_MISSING, IS = INVALID_STATE; "+" records the failure event the saga waits for
(EscrowHoldFailed, EscrowAdjustFailed); the other refusals have no contract event, the caller
logs them. A frozen hold is never released or refunded: only its dispute ends it.

1. ESCROW_HOLD, EscrowHeld. If the requester's account is missing or cannot cover
   `a` (available − a < −credit_limit): tombstone, EscrowHoldFailed with the reason.
2. ESCROW_ADJUST for the difference, up or down (none if equal), then EscrowAdjusted: the request
   waits for it even when the amount is unchanged. A top-up the account cannot cover leaves the
   hold as it was and records EscrowAdjustFailed.
3. ESCROW_RELEASE of p to the provider and ESCROW_REFUND of a − p to the requester (a
   transaction only for a part above zero); p ≤ a. EscrowReleased.
4. ESCROW_REFUND of a, EscrowRefunded. With nothing held yet, the refund leaves a tombstone so a
   hold arriving late for the ended request is refused.
5. EscrowFrozen; NO_OP if d was dismissed already (its unfreeze overtook the freeze).
6. NO_OP if SETTLED by d (the resolution overtook the freeze), else REFUSED IS.
7. The dismissal of d is remembered, so that its late freeze is a NO_OP; NO_OP if it was already.
8. EscrowUnfrozen; for another dispute than f, REFUSED IS.
9. DISPUTE_RESOLUTION: PAY_PROVIDER pays a, REFUND_REQUESTER refunds a, SPLIT pays p and
   refunds a − p. EscrowSettled. From HELD the resolution proves the dispute and its freeze is
   late; REFUSED IS if d was dismissed, or if the hold is frozen by another dispute.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid4

from hourbank_escrow.domain import hold_events
from hourbank_escrow.domain.accounts import SystemAccount, refusal_to_spend
from hourbank_escrow.domain.amounts import ZERO, positive_cents
from hourbank_escrow.domain.ledger import Ledger
from hourbank_escrow.domain.outcomes import Outcome
from hourbank_escrow.domain.settlement import Split, resolution_split
from hourbank_escrow.domain.transactions import AdminOrder, Posting, into_escrow, out_of_escrow
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import (
    DisputeResolution,
    HoldFailureReason,
    HoldStatus,
    TransactionType,
)

OPEN = frozenset({HoldStatus.HELD, HoldStatus.FROZEN})
RESOLVED = frozenset({HoldStatus.RELEASED, HoldStatus.REFUNDED, HoldStatus.SETTLED})
INVALID_STATE = HoldFailureReason.INVALID_STATE


class Tombstone(StrEnum):
    HOLD_FAILED = "HOLD_FAILED"
    """The hold was refused, so the request was rejected."""
    ENDED_BEFORE_HOLD = "ENDED_BEFORE_HOLD"
    """A refund arrived before the hold: the request ended first."""


@dataclass(eq=False)
class Hold:
    request_id: UUID
    requester_id: UUID
    provider_id: UUID
    status: HoldStatus | None = None
    amount: Decimal = ZERO
    """Hours held now; once resolved, the hours it held when it was resolved."""
    id: UUID = field(default_factory=uuid4)
    dispute_id: UUID | None = None
    """The dispute that froze it (while FROZEN) or settled it (once SETTLED)."""
    dismissed_disputes: tuple[UUID, ...] = ()
    provider_amount: Decimal | None = None
    requester_refund: Decimal | None = None
    tombstone: Tombstone | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def place(self, amount: Decimal, ledger: Ledger) -> Outcome:
        amount = positive_cents(amount)
        if self.tombstone is not None:
            detail = f"the request ended before its hours were held ({self.tombstone})"
            self.events.append(hold_events.hold_failed(self, INVALID_STATE, detail, amount, None))
            return Outcome.refused(INVALID_STATE, detail)
        if self.status is not None:
            return Outcome.no_op(f"the hold was already placed ({self.status})")
        requester = ledger.account(self.requester_id)
        refusal = refusal_to_spend(requester, amount)
        if refusal is not None:
            self.tombstone = Tombstone.HOLD_FAILED
            self.version += 1
            available = requester.available if requester is not None else None
            self.events.append(
                hold_events.hold_failed(self, refusal.reason, refusal.detail, amount, available)
            )
            return refusal.outcome()
        self._post(ledger, TransactionType.ESCROW_HOLD, into_escrow(self.requester_id, amount))
        self.status, self.amount = HoldStatus.HELD, amount
        self.version += 1
        self.events.append(hold_events.held(self))
        return Outcome.applied()

    def adjust(self, new_amount: Decimal, ledger: Ledger) -> Outcome:
        new_amount = positive_cents(new_amount)
        if self.status is None:
            return self._nothing_held()
        if self.status is not HoldStatus.HELD:
            return self._adjust_failed(INVALID_STATE, f"the hold is {self.status}", new_amount)
        previous, top_up = self.amount, new_amount - self.amount
        if top_up > 0:
            refusal = refusal_to_spend(ledger.account(self.requester_id), top_up)
            if refusal is not None:
                return self._adjust_failed(refusal.reason, refusal.detail, new_amount)
            more = into_escrow(self.requester_id, top_up)
            self._post(ledger, TransactionType.ESCROW_ADJUST, more)
        elif top_up < 0:
            back = out_of_escrow(self.requester_id, self.requester_id, -top_up)
            self._post(ledger, TransactionType.ESCROW_ADJUST, back)
        if top_up:
            self.amount = new_amount
            self.version += 1
        self.events.append(hold_events.adjusted(self, previous))
        return Outcome.applied(f"held {previous} h, now {new_amount} h")

    def release(self, provider_amount: Decimal, ledger: Ledger) -> Outcome:
        if (refusal := self._cannot_pay_out()) is not None:
            return refusal
        split = Split.paying(provider_amount, self.amount)
        if split.to_provider:
            pay = out_of_escrow(self.requester_id, self.provider_id, split.to_provider)
            self._post(ledger, TransactionType.ESCROW_RELEASE, pay)
        if split.to_requester:
            back = out_of_escrow(self.requester_id, self.requester_id, split.to_requester)
            self._post(ledger, TransactionType.ESCROW_REFUND, back)
        self._resolve(HoldStatus.RELEASED, split)
        self.events.append(hold_events.released(self, split.to_provider, split.to_requester))
        return Outcome.applied()

    def refund(self, ledger: Ledger) -> Outcome:
        if self.status is None and self.tombstone is None:
            self.tombstone = Tombstone.ENDED_BEFORE_HOLD
            self.version += 1
            return Outcome.applied("nothing held yet: tombstone recorded, a late hold is refused")
        if (refusal := self._cannot_pay_out()) is not None:
            return refusal
        back = out_of_escrow(self.requester_id, self.requester_id, self.amount)
        self._post(ledger, TransactionType.ESCROW_REFUND, back)
        self._resolve(HoldStatus.REFUNDED, Split(ZERO, self.amount))
        self.events.append(hold_events.refunded(self))
        return Outcome.applied()

    def freeze(self, dispute_id: UUID) -> Outcome:
        if self.status is None:
            return self._nothing_held()
        if self.status is HoldStatus.HELD and dispute_id in self.dismissed_disputes:
            return Outcome.no_op(f"dispute {dispute_id} was dismissed before its freeze arrived")
        if self.status is HoldStatus.HELD:
            self.status, self.dispute_id = HoldStatus.FROZEN, dispute_id
            self.version += 1
            self.events.append(hold_events.frozen(self, dispute_id))
            return Outcome.applied()
        if self.dispute_id == dispute_id and self.status in (HoldStatus.FROZEN, HoldStatus.SETTLED):
            return Outcome.no_op(f"already {self.status} by dispute {dispute_id}")
        return self._not_for(dispute_id)

    def unfreeze(self, dispute_id: UUID) -> Outcome:
        if self.status is None:
            return self._nothing_held()
        if self.status is HoldStatus.HELD and dispute_id in self.dismissed_disputes:
            return Outcome.no_op(f"dispute {dispute_id} was already dismissed")
        if self.status is HoldStatus.HELD:
            self.dismissed_disputes += (dispute_id,)
            self.version += 1
            return Outcome.applied("not frozen: the dismissal is remembered for a late freeze")
        if self.status is HoldStatus.FROZEN and self.dispute_id == dispute_id:
            self.status, self.dispute_id = HoldStatus.HELD, None
            self.dismissed_disputes += (dispute_id,)
            self.version += 1
            self.events.append(hold_events.unfrozen(self, dispute_id))
            return Outcome.applied()
        return self._not_for(dispute_id)

    def settle(
        self,
        dispute_id: UUID,
        resolution: DisputeResolution,
        ledger: Ledger,
        provider_amount: Decimal | None = None,
        requester_refund: Decimal | None = None,
        *,
        decided_by: AdminOrder | None = None,
        note: str | None = None,
    ) -> Outcome:
        """Pays out as the dispute was resolved; the transaction records the deciding admin and
        their note."""
        if self.status is not HoldStatus.FROZEN and (refusal := self._cannot_pay_out()):
            return refusal
        if dispute_id in self.dismissed_disputes or self.dispute_id not in (None, dispute_id):
            return self._not_for(dispute_id)
        split = resolution_split(resolution, self.amount, provider_amount, requester_refund)
        postings = [Posting(SystemAccount.ESCROW, -self.amount, held_for=self.requester_id)]
        postings += [Posting(self.provider_id, split.to_provider)] if split.to_provider else []
        postings += [Posting(self.requester_id, split.to_requester)] if split.to_requester else []
        ledger.post(
            TransactionType.DISPUTE_RESOLUTION, postings, request_id=self.request_id,
            dispute_id=dispute_id, reason=note, ordered_by=decided_by,
        )  # fmt: skip
        self.dispute_id = dispute_id
        self._resolve(HoldStatus.SETTLED, split)
        self.events.append(
            hold_events.settled(self, dispute_id, resolution, split.to_provider, split.to_requester)
        )
        return Outcome.applied()

    def _cannot_pay_out(self) -> Outcome | None:
        """Why release or refund may not pay out now, or None if they may (HELD)."""
        if self.tombstone is not None:
            return Outcome.no_op(f"nothing was ever held ({self.tombstone})")
        if self.status is None:
            return self._nothing_held()
        if self.status in RESOLVED:
            return Outcome.no_op(f"already {self.status}: resolved once, nothing paid again")
        if self.status is HoldStatus.FROZEN:
            return Outcome.refused(INVALID_STATE, f"frozen by dispute {self.dispute_id}")
        return None

    def _nothing_held(self) -> Outcome:
        if self.tombstone is not None:
            return Outcome.refused(INVALID_STATE, f"nothing is held ({self.tombstone})")
        return Outcome.refused(HoldFailureReason.HOLD_MISSING, "no hold for this request")

    def _not_for(self, dispute_id: UUID) -> Outcome:
        by = f" by dispute {self.dispute_id}" if self.dispute_id else ""
        return Outcome.refused(
            INVALID_STATE, f"dispute {dispute_id} does not apply: the hold is {self.status}{by}"
        )

    def _adjust_failed(self, reason: HoldFailureReason, detail: str, amount: Decimal) -> Outcome:
        self.events.append(hold_events.adjust_failed(self, reason, detail, amount))
        return Outcome.refused(reason, detail)

    def _post(self, ledger: Ledger, type_: TransactionType, postings: list[Posting]) -> None:
        ledger.post(type_, postings, request_id=self.request_id)

    def _resolve(self, status: HoldStatus, split: Split) -> None:
        self.status = status
        self.provider_amount, self.requester_refund = split.to_provider, split.to_requester
        self.version += 1
