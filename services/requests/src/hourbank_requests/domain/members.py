"""Members: who may offer and request services, their status and their rating."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from uuid import UUID

from hourbank_requests.domain.errors import Forbidden, InvalidInput, NotAllowedNow
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.member_contacts import MemberContactChanged
from hourbank_shared.contracts.members import (
    MemberReactivated,
    MemberRegistered,
    MemberRegisteredV2,
    MemberSuspended,
)

DISPLAY_NAME_MAX = 80
EMAIL_MAX = 254
REASON_MAX = 500
LOWEST_SCORE, HIGHEST_SCORE = 1, 5
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class MemberStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


@dataclass(eq=False)
class Member:
    id: UUID
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    registered_at: datetime
    status: MemberStatus = MemberStatus.ACTIVE
    rating_sum: int = 0
    rating_count: int = 0
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    @classmethod
    def register(
        cls,
        member_id: UUID,
        display_name: str,
        email: str | None,
        roles: frozenset[str] | tuple[str, ...],
        now: datetime,
    ) -> "Member":
        member = cls(
            member_id, _display_name(display_name), _email(email), tuple(sorted(roles)), now
        )
        # v1 stays for its readers until its deprecation ends, but without the address: no
        # contact data on a public topic; only the private contact event carries it
        member.events += [
            MemberRegistered(
                member_id=member.id,
                display_name=member.display_name,
                email=None,
                roles=list(member.roles),
                registered_at=now,
                sequence=member.version,
            ),
            MemberRegisteredV2(
                member_id=member.id,
                display_name=member.display_name,
                roles=list(member.roles),
                registered_at=now,
                sequence=member.version,
            ),
            MemberContactChanged(
                member_id=member.id, sequence=member.version, email=member.email, changed_at=now
            ),
        ]
        return member

    @property
    def is_active(self) -> bool:
        return self.status is MemberStatus.ACTIVE

    @property
    def rating_average(self) -> Decimal | None:
        if self.rating_count == 0:
            return None
        average = Decimal(self.rating_sum) / self.rating_count
        return average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def suspend(self, reason: str, by_admin_id: UUID) -> None:
        self._not_oneself(by_admin_id, "suspend")
        if not self.is_active:
            raise NotAllowedNow(
                f"member {self.id} is already {self.status}", member_status=self.status
            )
        reason = _reason(reason, "a suspension")
        self._become(MemberStatus.SUSPENDED)
        self.events.append(
            MemberSuspended(
                member_id=self.id, reason=reason, by_admin_id=by_admin_id, sequence=self.version
            )
        )

    def reactivate(self, reason: str, by_admin_id: UUID) -> None:
        self._not_oneself(by_admin_id, "reactivate")
        if self.is_active:
            raise NotAllowedNow(
                f"member {self.id} is already {self.status}", member_status=self.status
            )
        reason = _reason(reason, "a reactivation")
        self._become(MemberStatus.ACTIVE)
        self.events.append(
            MemberReactivated(
                member_id=self.id, reason=reason, by_admin_id=by_admin_id, sequence=self.version
            )
        )

    def _not_oneself(self, admin_id: UUID, action: str) -> None:
        if admin_id == self.id:
            raise Forbidden(f"an admin may not {action} themselves: another admin must")

    def add_rating(self, score: int) -> None:
        if isinstance(score, bool) or not LOWEST_SCORE <= score <= HIGHEST_SCORE:
            raise InvalidInput(
                f"score: a rating is a whole number from {LOWEST_SCORE} to {HIGHEST_SCORE}"
            )
        self.rating_sum += score
        self.rating_count += 1
        self.version += 1

    def _become(self, status: MemberStatus) -> None:
        self.status = status
        self.version += 1


def _reason(value: str, what: str) -> str:
    reason = value.strip()
    if not 1 <= len(reason) <= REASON_MAX:
        raise InvalidInput(f"reason: {what} needs a reason of 1 to {REASON_MAX} characters")
    return reason


def _display_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= DISPLAY_NAME_MAX:
        raise InvalidInput(f"display_name: must be 1 to {DISPLAY_NAME_MAX} characters")
    return name


def _email(value: str | None) -> str | None:
    """Trimmed, with the domain in lower case (the local part may be case-sensitive)."""
    if value is None:
        return None
    email = value.strip()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise InvalidInput(f"email: {value!r} is not an email address")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"
