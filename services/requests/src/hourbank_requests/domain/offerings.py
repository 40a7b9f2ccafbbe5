"""Offerings: a service a member provides, at an hourly rate, answering within a window.

When the bank reviews offerings, new terms wait in PENDING_REVIEW until an admin approves or
rejects them; only APPROVED offerings are listed to members and can be requested.
"""

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import TypedDict, TypeVar
from uuid import UUID, uuid4

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_requests.domain.members import Member
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.contracts.offerings import (
    OfferingApproved,
    OfferingCreated,
    OfferingEvent,
    OfferingRejected,
    OfferingRevised,
    OfferingWithdrawn,
)
from hourbank_shared.money import CENT, MAX_RATE

TITLE_MAX = 120
DESCRIPTION_MAX = 2000
CATEGORY_MAX = 40
DEFAULT_RATE = Decimal("1.00")
WINDOW_MIN, WINDOW_MAX, DEFAULT_WINDOW = 2, 72, 24
NOTE_MAX = 500
E = TypeVar("E", bound=OfferingEvent)


@dataclass(frozen=True)
class Terms:
    """What a provider writes about an offering."""

    title: str
    description: str
    category: str
    rate: Decimal = DEFAULT_RATE
    response_window_hours: int = DEFAULT_WINDOW

    def checked(self) -> "Terms":
        """The same terms, trimmed and normalised; InvalidInput names the first broken rule."""
        return Terms(
            _text("title", self.title, 1, TITLE_MAX),
            _text("description", self.description, 0, DESCRIPTION_MAX),
            _text("category", self.category, 1, CATEGORY_MAX).lower(),
            _rate(self.rate),
            _window(self.response_window_hours),
        )


class TermChanges(TypedDict, total=False):
    title: str
    description: str
    category: str
    rate: Decimal
    response_window_hours: int


@dataclass(eq=False)
class Offering:
    """`review`: whether the bank reviews offerings (HOURBANK_OFFERING_REVIEW). It decides where
    new terms go: to PENDING_REVIEW, or straight to APPROVED."""

    id: UUID
    provider_id: UUID
    terms: Terms
    created_at: datetime
    status: OfferingStatus = OfferingStatus.APPROVED
    review_note: str | None = None
    """The last review's note (approval) or reason (rejection); cleared by new terms."""
    reviewed_by: UUID | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls, provider: Member, terms: Terms, now: datetime, *, review: bool = False
    ) -> "Offering":
        if not provider.is_active:
            raise Forbidden(f"member {provider.id} is {provider.status} and may not offer services")
        created = cls(uuid4(), provider.id, terms.checked(), now, status=_for_new_terms(review))
        created.events.append(created._with_terms(OfferingCreated, created_at=now))
        return created

    @property
    def active(self) -> bool:
        """Not withdrawn (it may still wait for review)."""
        return self.status is not OfferingStatus.WITHDRAWN

    def revise(self, by: UUID, changes: TermChanges, *, review: bool = False) -> None:
        """New terms go to review like a new offering; unchanged terms change nothing."""
        self._check_provider(by, "change")
        if self.status is OfferingStatus.WITHDRAWN:
            raise NotAllowedNow(
                f"offering {self.id} is withdrawn and can no longer be changed",
                offering_status=self.status,
            )
        revised = replace(self.terms, **changes).checked()
        if revised == self.terms:
            return
        self.terms = revised
        self.status = _for_new_terms(review)
        self.review_note = self.reviewed_by = None
        self.version += 1
        self.events.append(self._with_terms(OfferingRevised))

    def approve(self, admin_id: UUID, note: str | None, seen_version: int | None = None) -> None:
        """`seen_version`: the version the admin read, if they say; terms changed since then
        are not approved unseen (409)."""
        self._check_reviewable(admin_id, "approve", seen_version)
        self._reviewed(OfferingStatus.APPROVED, admin_id, _note(note))
        self.events.append(self._event(OfferingApproved, note=self.review_note,
                                       by_admin_id=admin_id))  # fmt: skip

    def reject(self, admin_id: UUID, reason: str, seen_version: int | None = None) -> None:
        self._check_reviewable(admin_id, "reject", seen_version)
        checked = _note(reason)
        if checked is None:
            raise InvalidInput(f"reason: a rejection needs a reason of 1 to {NOTE_MAX} characters")
        self._reviewed(OfferingStatus.REJECTED, admin_id, checked)
        self.events.append(self._event(OfferingRejected, reason=checked, by_admin_id=admin_id))

    def withdraw(self, by: UUID, *, by_admin: bool = False, reason: str | None = None) -> None:
        """No more requests for it; withdrawing a withdrawn offering changes nothing. Its
        provider withdraws it; an admin may (`by_admin`, moderation), with a reason."""
        if not by_admin:
            self._check_provider(by, "withdraw")
        if self.status is OfferingStatus.WITHDRAWN:
            return
        self.status = OfferingStatus.WITHDRAWN
        self.version += 1
        self.events.append(
            self._event(OfferingWithdrawn, withdrawn_by=by, by_admin=by_admin, reason=reason)
        )

    def _check_provider(self, member_id: UUID, action: str) -> None:
        if member_id != self.provider_id:
            raise Forbidden(f"only the provider may {action} offering {self.id}")

    def _check_reviewable(self, admin_id: UUID, action: str, seen_version: int | None) -> None:
        if admin_id == self.provider_id:
            raise Forbidden(f"an admin may not {action} their own offering: another admin must")
        if self.status is not OfferingStatus.PENDING_REVIEW:
            raise NotAllowedNow(
                f"offering {self.id} is {self.status}: only an offering PENDING_REVIEW can be "
                f"{action}d",
                offering_status=self.status,
            )
        if seen_version is not None and seen_version != self.version:
            raise NotAllowedNow(
                f"offering {self.id} changed since version {seen_version} (now {self.version}): "
                "read it again before you decide",
                offering_status=self.status,
                version=self.version,
            )

    def _reviewed(self, status: OfferingStatus, admin_id: UUID, note: str | None) -> None:
        self.status, self.review_note, self.reviewed_by = status, note, admin_id
        self.version += 1

    def _event(self, cls: type[E], **fields: object) -> E:
        return cls.model_validate(
            {"offering_id": self.id, "provider_id": self.provider_id, "status": self.status,
             "sequence": self.version, "title": self.terms.title, **fields}
        )  # fmt: skip

    def _with_terms(self, cls: type[E], **fields: object) -> E:
        return self._event(cls, **asdict(self.terms), **fields)


def _for_new_terms(review: bool) -> OfferingStatus:
    return OfferingStatus.PENDING_REVIEW if review else OfferingStatus.APPROVED


def _note(value: str | None) -> str | None:
    """Trimmed; None when empty."""
    note = (value or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"a review note or reason is at most {NOTE_MAX} characters")
    return note or None


def _text(name: str, value: str, shortest: int, longest: int) -> str:
    text = value.strip()
    if not shortest <= len(text) <= longest:
        raise InvalidInput(f"{name}: must be {shortest} to {longest} characters")
    return text


def _rate(rate: Decimal) -> Decimal:
    if not rate.is_finite() or not 0 < rate <= MAX_RATE:
        raise InvalidInput(f"rate: {rate} is outside the allowed range (0, {MAX_RATE}]")
    if rate != rate.quantize(CENT):
        raise InvalidInput(f"rate: {rate} has more than two decimal places")
    return rate.quantize(CENT)


def _window(hours: int) -> int:
    if isinstance(hours, bool) or not WINDOW_MIN <= hours <= WINDOW_MAX:
        raise InvalidInput(
            f"response_window_hours: must be a whole number from {WINDOW_MIN} to {WINDOW_MAX}"
        )
    return hours
