"""Every event type of the contract, looked up by its CloudEvents type."""

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.disputes import (
    DisputeAssigned,
    DisputeDismissed,
    DisputeEvidenceAdded,
    DisputeOpened,
    DisputeRefused,
    DisputeResolved,
)
from hourbank_shared.contracts.escrow import (
    EscrowAdjusted,
    EscrowAdjustFailed,
    EscrowFrozen,
    EscrowHeld,
    EscrowHoldFailed,
    EscrowRefunded,
    EscrowReleased,
    EscrowSettled,
    EscrowUnfrozen,
)
from hourbank_shared.contracts.ledger import AccountOpened, BalanceChanged, CreditLimitChanged
from hourbank_shared.contracts.member_contacts import MemberContactChanged
from hourbank_shared.contracts.members import (
    MemberReactivated,
    MemberRegistered,
    MemberRegisteredV2,
    MemberSuspended,
)
from hourbank_shared.contracts.notifications import NotificationCreated
from hourbank_shared.contracts.offerings import (
    OfferingApproved,
    OfferingCreated,
    OfferingRejected,
    OfferingRevised,
    OfferingWithdrawn,
)
from hourbank_shared.contracts.reports import ReportFiled, ReportResolved
from hourbank_shared.contracts.requests import (
    RequestAccepted,
    RequestAwaitingResponse,
    RequestCancelled,
    RequestCompleted,
    RequestCompletionReported,
    RequestCounterOffered,
    RequestDeclined,
    RequestDisputed,
    RequestDisputeRefused,
    RequestExpired,
    RequestOfferAcceptanceFailed,
    RequestOfferAccepted,
    RequestPaid,
    RequestRated,
    RequestRefunded,
    RequestRejected,
    RequestResumed,
    RequestSettled,
    RequestStarted,
    RequestStartReported,
    RequestSubmitted,
)

EVENTS: tuple[type[Event], ...] = (
    MemberRegistered,
    MemberRegisteredV2,
    MemberSuspended,
    MemberReactivated,
    OfferingCreated,
    OfferingRevised,
    OfferingApproved,
    OfferingRejected,
    OfferingWithdrawn,
    RequestSubmitted,
    RequestAwaitingResponse,
    RequestRejected,
    RequestDeclined,
    RequestCounterOffered,
    RequestOfferAccepted,
    RequestOfferAcceptanceFailed,
    RequestAccepted,
    RequestExpired,
    RequestCancelled,
    RequestStartReported,
    RequestStarted,
    RequestCompletionReported,
    RequestCompleted,
    RequestPaid,
    RequestDisputed,
    RequestDisputeRefused,
    RequestResumed,
    RequestRefunded,
    RequestSettled,
    RequestRated,
    EscrowHeld,
    EscrowHoldFailed,
    EscrowAdjusted,
    EscrowAdjustFailed,
    EscrowReleased,
    EscrowRefunded,
    EscrowFrozen,
    EscrowUnfrozen,
    EscrowSettled,
    AccountOpened,
    BalanceChanged,
    CreditLimitChanged,
    DisputeOpened,
    DisputeEvidenceAdded,
    DisputeAssigned,
    DisputeResolved,
    DisputeDismissed,
    DisputeRefused,
    ReportFiled,
    ReportResolved,
    NotificationCreated,
    MemberContactChanged,
)
"""All event classes, in documentation order."""


class UnknownEventType(KeyError):
    """No event class is registered for this CloudEvents type."""

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.type_name = type_name

    def __str__(self) -> str:
        return f"unknown event type {self.type_name!r} (not in the HourBank event catalog)"


def _index(events: Iterable[type[Event]]) -> Mapping[str, type[Event]]:
    catalog: dict[str, type[Event]] = {}
    for cls in events:
        if cls.TYPE in catalog:
            first, second = catalog[cls.TYPE].__name__, cls.__name__
            raise ValueError(f"event type {cls.TYPE} is declared by {first} and {second}")
        catalog[cls.TYPE] = cls
    return MappingProxyType(catalog)


CATALOG: Mapping[str, type[Event]] = _index(EVENTS)


def event_class(type_name: str) -> type[Event]:
    """The payload class for a CloudEvents type; raises UnknownEventType."""
    try:
        return CATALOG[type_name]
    except KeyError:
        raise UnknownEventType(type_name) from None


def events_on(topic: str) -> tuple[type[Event], ...]:
    """The event classes published on a topic (empty for a topic outside the contract)."""
    return tuple(cls for cls in EVENTS if topic == cls.TOPIC)
