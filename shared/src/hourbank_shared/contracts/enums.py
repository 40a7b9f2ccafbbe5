"""Closed vocabularies used by event payloads (serialized as their names)."""

from enum import StrEnum


class RequestStatus(StrEnum):
    INITIATED = "INITIATED"
    AWAITING_RESPONSE = "AWAITING_RESPONSE"
    NEGOTIATING = "NEGOTIATING"
    ACCEPTED = "ACCEPTED"
    PENDING_START_CONFIRMATION = "PENDING_START_CONFIRMATION"
    IN_PROGRESS = "IN_PROGRESS"
    PENDING_COMPLETION_CONFIRMATION = "PENDING_COMPLETION_CONFIRMATION"
    COMPLETED = "COMPLETED"
    DISPUTED = "DISPUTED"
    PAID = "PAID"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"
    SETTLED = "SETTLED"


class OfferingStatus(StrEnum):
    """Only APPROVED offerings are listed to members and can be requested."""

    PENDING_REVIEW = "PENDING_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


class DisputeType(StrEnum):
    SERVICE_QUALITY = "SERVICE_QUALITY"
    PAYMENT = "PAYMENT"
    NO_SHOW = "NO_SHOW"
    OTHER = "OTHER"


class DisputeStatus(StrEnum):
    """A dispute's status in events. The disputes API also answers PENDING (a dispute on a
    request the disputes service has not seen yet), which no event carries."""

    OPEN = "OPEN"
    UNDER_REVIEW = "UNDER_REVIEW"
    RESOLVED = "RESOLVED"
    DISMISSED = "DISMISSED"
    REFUSED = "REFUSED"


class DisputeResolution(StrEnum):
    PAY_PROVIDER = "PAY_PROVIDER"
    REFUND_REQUESTER = "REFUND_REQUESTER"
    SPLIT = "SPLIT"


class TransactionType(StrEnum):
    WELCOME_BONUS = "WELCOME_BONUS"
    ESCROW_HOLD = "ESCROW_HOLD"
    ESCROW_ADJUST = "ESCROW_ADJUST"
    ESCROW_RELEASE = "ESCROW_RELEASE"
    ESCROW_REFUND = "ESCROW_REFUND"
    DISPUTE_RESOLUTION = "DISPUTE_RESOLUTION"
    ADMIN_ADJUSTMENT = "ADMIN_ADJUSTMENT"


class HoldFailureReason(StrEnum):
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    ACCOUNT_MISSING = "ACCOUNT_MISSING"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    HOLD_MISSING = "HOLD_MISSING"
    INVALID_STATE = "INVALID_STATE"


class Party(StrEnum):
    REQUESTER = "REQUESTER"
    PROVIDER = "PROVIDER"


class HoldStatus(StrEnum):
    HELD = "HELD"
    FROZEN = "FROZEN"
    RELEASED = "RELEASED"
    REFUNDED = "REFUNDED"
    SETTLED = "SETTLED"


class ReportSubject(StrEnum):
    OFFERING = "OFFERING"
    MEMBER = "MEMBER"


class ReportReason(StrEnum):
    SPAM = "SPAM"
    INAPPROPRIATE = "INAPPROPRIATE"
    FRAUD = "FRAUD"
    NO_SHOW = "NO_SHOW"
    OTHER = "OTHER"


class ReportStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class ReportAction(StrEnum):
    DISMISS = "DISMISS"
    WITHDRAW_OFFERING = "WITHDRAW_OFFERING"
    SUSPEND_MEMBER = "SUSPEND_MEMBER"
