"""A service request and every transition of SPEC §4.

Each command checks, in this order, that the caller may see the request (else NotVisible,
404), is the party who may act (else Forbidden, 403) and that the status allows it (else
NotAllowedNow, 409, naming the status). A transition moves the status, appends a history
entry, records the contract event and sets the deadline that runs in the new status (or
clears it). Reactions to other services' events never raise: one that does not fit the
current status (a duplicate, or a late arrival) is ignored and returns False.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow, NotVisible
from hourbank_requests.domain.lifecycle import (
    CONFIRMATION_HOURS,
    DEADLINE_OF,
    MAX_ROUNDS,
    NEGOTIATION_HOURS,
    RATEABLE,
    Actor,
    DeadlineKind,
    HistoryEntry,
)
from hourbank_shared.clock import BusinessTime
from hourbank_shared.contracts import requests as ev
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import Party
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.money import MAX_HOURS, MAX_RATE, amount_of

E = TypeVar("E", bound=ev.RequestEvent)
ACTOR_OF = {Party.REQUESTER: Actor.REQUESTER, Party.PROVIDER: Actor.PROVIDER}


@dataclass(frozen=True)
class Caller:
    member_id: UUID
    is_admin: bool = False


@dataclass(frozen=True)
class Offer:
    """The terms on the table while negotiating, and who put them there."""

    by: Party
    hours: Decimal
    rate: Decimal
    message: str

    @property
    def amount(self) -> Decimal:
        return amount_of(self.hours, self.rate)


@dataclass(eq=False)
class ServiceRequest:
    id: UUID
    requester_id: UUID
    provider_id: UUID
    offering_id: UUID
    offering_title: str
    message: str
    response_window_hours: int
    hours: Decimal
    rate: Decimal
    amount: Decimal
    status: S = S.INITIATED
    previous_status: S | None = None
    round: int = 0
    offer: Offer | None = None
    offer_accepted: bool = False
    actual_hours: Decimal | None = None
    actual_amount: Decimal | None = None
    deadline_kind: DeadlineKind | None = None
    deadline_at: datetime | None = None
    dispute_id: UUID | None = None
    reason: str | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)
    history: list[HistoryEntry] = field(default_factory=list, repr=False)
    """Entries added by this unit of work (the stored ones are not loaded)."""

    # who may see and act ----------------------------------------------------------------

    def party_of(self, caller: Caller) -> Party | None:
        if caller.member_id == self.requester_id:
            return Party.REQUESTER
        if caller.member_id == self.provider_id:
            return Party.PROVIDER
        if caller.is_admin:
            return None
        raise NotVisible(f"no request {self.id}")

    def _acting(self, caller: Caller, action: str, *parties: Party) -> Party:
        party = self.party_of(caller)
        if party is None or party not in parties:
            who = " or the ".join(p.lower() for p in parties)
            raise Forbidden(f"only the {who} may {action}")
        return party

    def _require(self, action: str, *allowed: S) -> None:
        if self.status not in allowed:
            raise NotAllowedNow(
                f"cannot {action}: the request is {self.status} "
                f"(allowed only when {' or '.join(allowed)})",
                current_status=str(self.status),
            )

    def _refused(self, detail: str) -> NotAllowedNow:
        return NotAllowedNow(
            f"{detail} (the request is {self.status})", current_status=str(self.status)
        )

    # transitions ------------------------------------------------------------------------

    def move(
        self,
        to: S,
        trigger: str,
        actor: Actor,
        actor_id: UUID | None,
        time: BusinessTime,
        event_id: UUID | None = None,
        detail: str | None = None,
    ) -> None:
        self.history.append(
            HistoryEntry(
                self.status, to, trigger, actor, actor_id, time.clock.now(), event_id, detail
            )
        )
        self.status = to
        kind = DEADLINE_OF.get(to) if to is not S.DISPUTED else None
        self.deadline_kind = kind
        self.deadline_at = time.deadline(self._window(kind)) if kind is not None else None

    def _window(self, kind: DeadlineKind) -> float:
        if kind is DeadlineKind.RESPONSE:
            return float(self.response_window_hours)
        return float(NEGOTIATION_HOURS if kind is DeadlineKind.NEGOTIATION else CONFIRMATION_HOURS)

    def record(self, kind: type[E], **fields: Any) -> None:
        """Every event is a new version of the request, carried as its `sequence`."""
        self.version += 1
        self.events.append(
            kind(
                request_id=self.id,
                requester_id=self.requester_id,
                provider_id=self.provider_id,
                offering_id=self.offering_id,
                status=self.status,
                sequence=self.version,
                **fields,
            )
        )

    # the provider answers ---------------------------------------------------------------

    def accept(self, caller: Caller, time: BusinessTime) -> None:
        self._acting(caller, "accept the request", Party.PROVIDER)
        self._require("accept", S.AWAITING_RESPONSE)
        self.move(S.ACCEPTED, "ACCEPTED", Actor.PROVIDER, caller.member_id, time)
        self.record(ev.RequestAccepted, hours=self.hours, rate=self.rate, amount=self.amount)

    def decline(self, caller: Caller, time: BusinessTime) -> None:
        party = self._acting(caller, "decline", Party.PROVIDER, Party.REQUESTER)
        if self.status is S.AWAITING_RESPONSE and party is Party.REQUESTER:
            raise Forbidden("the requester cancels a request; only the provider declines it")
        self._require("decline", S.AWAITING_RESPONSE, S.NEGOTIATING)
        self.move(S.REJECTED, "DECLINED", ACTOR_OF[party], caller.member_id, time)
        self.record(
            ev.RequestDeclined, declined_by=caller.member_id, by_party=party, round=self.round
        )

    def counter(
        self,
        caller: Caller,
        hours: Decimal,
        rate: Decimal | None,
        message: str,
        time: BusinessTime,
    ) -> None:
        party = self._acting(caller, "make a counter-offer", Party.PROVIDER, Party.REQUESTER)
        self._require("counter-offer", S.AWAITING_RESPONSE, S.NEGOTIATING)
        if self.status is S.AWAITING_RESPONSE and party is Party.REQUESTER:
            raise Forbidden("the provider makes the first counter-offer")
        if self.offer is not None and self.offer.by is party:
            raise self._refused("the other party must answer your offer first")
        if self.offer_accepted:
            raise self._refused("an offer was accepted; escrow is adjusting the hold")
        if self.round >= MAX_ROUNDS:
            raise self._refused(f"negotiation is limited to {MAX_ROUNDS} rounds")
        offer = Offer(party, hours, rate if rate is not None else self._on_table_rate(), message)
        if not 0 < offer.hours <= MAX_HOURS or not 0 < offer.rate <= MAX_RATE:
            raise InvalidInput(f"hours must be in (0, {MAX_HOURS}] and the rate in (0, {MAX_RATE}]")
        if offer.amount <= 0:
            raise InvalidInput(f"{offer.hours} h at {offer.rate} is less than 0.01 hours")
        self.offer, self.round = offer, self.round + 1
        self.move(
            S.NEGOTIATING, f"COUNTER_OFFER_{self.round}", ACTOR_OF[party], caller.member_id, time
        )
        self.record(
            ev.RequestCounterOffered, round=self.round, offered_by=party, hours=offer.hours,
            rate=offer.rate, amount=offer.amount, message=message, deadline=self.deadline_at,
        )  # fmt: skip

    def _on_table_rate(self) -> Decimal:
        return self.offer.rate if self.offer is not None else self.rate

    def accept_offer(self, caller: Caller, time: BusinessTime) -> None:
        party = self._acting(caller, "accept the offer", Party.PROVIDER, Party.REQUESTER)
        self._require("accept an offer", S.NEGOTIATING)
        if self.offer is None or self.offer.by is party:
            raise self._refused("only the party who did not make the last offer may accept it")
        if self.offer_accepted:
            raise self._refused("the offer was already accepted; escrow is adjusting the hold")
        self.offer_accepted, self.reason = True, None
        # the deadline stops while escrow adjusts; a failed top-up restarts it
        self.deadline_kind = self.deadline_at = None
        self.history.append(
            HistoryEntry(S.NEGOTIATING, S.NEGOTIATING, "OFFER_ACCEPTED", ACTOR_OF[party],
                         caller.member_id, time.clock.now())
        )  # fmt: skip
        self.record(
            ev.RequestOfferAccepted, accepted_by=party, hours=self.offer.hours,
            rate=self.offer.rate, amount=self.offer.amount, previous_amount=self.amount,
        )  # fmt: skip

    # the requester or provider withdraws -----------------------------------------------

    def cancel(self, caller: Caller, time: BusinessTime) -> None:
        party = self._acting(caller, "cancel", Party.REQUESTER, Party.PROVIDER)
        if party is Party.PROVIDER:
            self._require("cancel as the provider", S.ACCEPTED)
        else:
            # INITIATED too: a requester whose submission escrow has not answered is never stuck
            self._require("cancel", S.INITIATED, S.AWAITING_RESPONSE, S.NEGOTIATING, S.ACCEPTED)
        previous = self.status
        self.move(S.CANCELLED, "CANCELLED", ACTOR_OF[party], caller.member_id, time)
        self.record(
            ev.RequestCancelled, cancelled_by=caller.member_id, by_party=party,
            previous_status=previous, amount=self.amount,
        )  # fmt: skip

    # doing the work ---------------------------------------------------------------------

    def report_start(self, caller: Caller, time: BusinessTime) -> None:
        self._acting(caller, "report the start", Party.PROVIDER)
        self._require("report the start", S.ACCEPTED)
        self.move(
            S.PENDING_START_CONFIRMATION, "START_REPORTED", Actor.PROVIDER, caller.member_id, time
        )
        self.record(ev.RequestStartReported, deadline=self.deadline_at)

    def confirm_start(self, caller: Caller | None, time: BusinessTime) -> None:
        """By the requester, or by the system when the confirmation deadline passed."""
        if caller is not None:
            self._acting(caller, "confirm the start", Party.REQUESTER)
        self._require("confirm the start", S.PENDING_START_CONFIRMATION)
        actor, trigger = (Actor.SYSTEM, "START_AUTO_CONFIRMED") if caller is None else (
            Actor.REQUESTER, "START_CONFIRMED")  # fmt: skip
        self.move(S.IN_PROGRESS, trigger, actor, caller.member_id if caller else None, time)
        self.record(ev.RequestStarted, auto_confirmed=caller is None)

    def report_completion(self, caller: Caller, actual_hours: Decimal, time: BusinessTime) -> None:
        self._acting(caller, "report completion", Party.PROVIDER)
        self._require("report completion", S.IN_PROGRESS)
        if not 0 < actual_hours <= self.hours:
            raise InvalidInput(
                f"actual hours must be more than 0 and at most the agreed {self.hours}"
            )
        self.actual_hours, self.actual_amount = actual_hours, amount_of(actual_hours, self.rate)
        self.move(
            S.PENDING_COMPLETION_CONFIRMATION, "COMPLETION_REPORTED", Actor.PROVIDER,
            caller.member_id, time, detail=f"{actual_hours} h worked",
        )  # fmt: skip
        self.record(
            ev.RequestCompletionReported, actual_hours=actual_hours,
            actual_amount=self.actual_amount, deadline=self.deadline_at,
        )  # fmt: skip

    def confirm_completion(self, caller: Caller | None, time: BusinessTime) -> None:
        """By the requester, or by the system when the confirmation deadline passed."""
        if caller is not None:
            self._acting(caller, "confirm completion", Party.REQUESTER)
        self._require("confirm completion", S.PENDING_COMPLETION_CONFIRMATION)
        actor, trigger = (Actor.SYSTEM, "COMPLETION_AUTO_CONFIRMED") if caller is None else (
            Actor.REQUESTER, "COMPLETION_CONFIRMED")  # fmt: skip
        self.move(S.COMPLETED, trigger, actor, caller.member_id if caller else None, time)
        assert self.actual_hours is not None and self.actual_amount is not None
        self.record(
            ev.RequestCompleted, auto_confirmed=caller is None, hours=self.hours, rate=self.rate,
            amount=self.amount, actual_hours=self.actual_hours, actual_amount=self.actual_amount,
        )  # fmt: skip

    def rate_other(self, caller: Caller, score: int, comment: str, time: BusinessTime) -> UUID:
        """Returns the member rated; once per party is the repository's guard."""
        party = self._acting(caller, "rate", Party.REQUESTER, Party.PROVIDER)
        self._require("rate", *RATEABLE)
        if not 1 <= score <= 5:
            raise InvalidInput("a score is from 1 to 5")
        ratee = self.provider_id if party is Party.REQUESTER else self.requester_id
        self.history.append(
            HistoryEntry(self.status, self.status, "RATED", ACTOR_OF[party], caller.member_id,
                         time.clock.now(), detail=f"{score}/5")
        )  # fmt: skip
        self.record(
            ev.RequestRated, rater_id=caller.member_id, ratee_id=ratee, score=score, comment=comment
        )
        return ratee
