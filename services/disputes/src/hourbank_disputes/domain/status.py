"""A dispute's status as the disputes service keeps it and its API answers it."""

from enum import StrEnum

from hourbank_shared.contracts.enums import DisputeStatus


class DisputeState(StrEnum):
    """The contract's `DisputeStatus` plus PENDING: a dispute on a request disputes has not
    seen yet, decided when the request's first event arrives. No event carries PENDING (a
    pending dispute publishes nothing), so it stays out of the contract, whose enum every
    dispute event's schema lists."""

    PENDING = "PENDING"
    OPEN = "OPEN"
    UNDER_REVIEW = "UNDER_REVIEW"
    RESOLVED = "RESOLVED"
    DISMISSED = "DISMISSED"
    REFUSED = "REFUSED"


OPEN = (DisputeState.OPEN, DisputeState.UNDER_REVIEW)


def in_event(state: DisputeState) -> DisputeStatus:
    """The status an event carries; PENDING has none (ValueError)."""
    return DisputeStatus(str(state))
