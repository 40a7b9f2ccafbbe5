"""What a domain operation did: the caller logs it, the saga learns it from recorded events."""

from dataclasses import dataclass
from enum import StrEnum

from hourbank_shared.contracts.enums import HoldFailureReason


class Result(StrEnum):
    APPLIED = "APPLIED"
    """State changed (hours moved, a status or a tombstone recorded)."""
    NO_OP = "NO_OP"
    """Already done, or already resolved otherwise: nothing changed, nothing paid again."""
    REFUSED = "REFUSED"
    """Not allowed now: nothing changed; a failure event is recorded where the contract has one."""


@dataclass(frozen=True)
class Outcome:
    result: Result
    detail: str = ""
    reason: HoldFailureReason | None = None

    @classmethod
    def applied(cls, detail: str = "") -> "Outcome":
        return cls(Result.APPLIED, detail)

    @classmethod
    def no_op(cls, detail: str) -> "Outcome":
        return cls(Result.NO_OP, detail)

    @classmethod
    def refused(cls, reason: HoldFailureReason, detail: str) -> "Outcome":
        return cls(Result.REFUSED, detail, reason)


@dataclass(frozen=True)
class Refusal:
    """Why hours may not be set aside; becomes a REFUSED outcome and a failure event."""

    reason: HoldFailureReason
    detail: str

    def outcome(self) -> Outcome:
        return Outcome.refused(self.reason, self.detail)
