"""Offerings: a service a member provides, at an hourly rate, answering within a window."""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TypedDict
from uuid import UUID, uuid4

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_requests.domain.members import Member
from hourbank_shared.money import CENT, MAX_RATE

TITLE_MAX = 120
DESCRIPTION_MAX = 2000
CATEGORY_MAX = 40
DEFAULT_RATE = Decimal("1.00")
WINDOW_MIN, WINDOW_MAX, DEFAULT_WINDOW = 2, 72, 24


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
    id: UUID
    provider_id: UUID
    terms: Terms
    created_at: datetime
    active: bool = True
    version: int = 0

    @classmethod
    def create(cls, provider: Member, terms: Terms, now: datetime) -> "Offering":
        if not provider.is_active:
            raise Forbidden(f"member {provider.id} is {provider.status} and may not offer services")
        return cls(uuid4(), provider.id, terms.checked(), now)

    def revise(self, by: UUID, changes: TermChanges) -> None:
        self._check_provider(by, "change")
        if not self.active:
            raise NotAllowedNow(f"offering {self.id} is withdrawn and can no longer be changed")
        revised = replace(self.terms, **changes).checked()
        if revised != self.terms:
            self.terms = revised
            self.version += 1

    def withdraw(self, by: UUID) -> None:
        """No more requests for it; withdrawing a withdrawn offering changes nothing."""
        self._check_provider(by, "withdraw")
        if self.active:
            self.active = False
            self.version += 1

    def _check_provider(self, member_id: UUID, action: str) -> None:
        if member_id != self.provider_id:
            raise Forbidden(f"only the provider may {action} offering {self.id}")


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
