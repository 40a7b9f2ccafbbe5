"""Dispute events (SPEC §5), published by the disputes service.

Keyed by request so they stay in order with the request's events; the CloudEvents subject is
the dispute.
"""

from typing import Literal
from uuid import UUID

from pydantic import Field

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import DisputeResolution, DisputeStatus, DisputeType
from hourbank_shared.contracts.fields import (
    AdminId,
    DisputeId,
    ProviderAmount,
    ProviderId,
    RequesterId,
    RequesterRefund,
    RequestId,
)
from hourbank_shared.money import Hours


class DisputeEvent(Event):
    TOPIC = topics.DISPUTES
    KEY = "request_id"
    SUBJECT = "dispute_id"

    dispute_id: DisputeId
    request_id: RequestId
    requester_id: RequesterId
    provider_id: ProviderId
    status: DisputeStatus = Field(description="The dispute's status after this event.")


class DisputeOpened(DisputeEvent):
    """A party opened a dispute; the requests service confirms or refuses it."""

    TYPE = "hourbank.dispute.opened.v1"

    raised_by: UUID = Field(description="The member who opened the dispute.")
    against: UUID = Field(description="The other party.")
    dispute_type: DisputeType = Field(description="What the dispute is about.")
    description: str = Field(description="The complaint in the member's words.")


class DisputeEvidenceAdded(DisputeEvent):
    """A party added evidence to a dispute."""

    TYPE = "hourbank.dispute.evidence_added.v1"

    evidence_id: UUID = Field(description="The piece of evidence.")
    added_by: UUID = Field(description="The member who added it.")
    kind: Literal["text", "link"] = Field(description="A statement or a link to a document.")
    content: str = Field(description="The text, or the URL of the link.")


class DisputeAssigned(DisputeEvent):
    """An admin took the dispute for review."""

    TYPE = "hourbank.dispute.assigned.v1"

    admin_id: AdminId


class DisputeResolved(DisputeEvent):
    """An admin decided who gets the held hours; escrow settles accordingly."""

    TYPE = "hourbank.dispute.resolved.v1"

    admin_id: AdminId
    resolution: DisputeResolution = Field(description="Who gets the held hours.")
    provider_hours: Hours | None = Field(
        None, description="Hours of service the provider is paid for (SPLIT only)."
    )
    provider_amount: ProviderAmount
    requester_refund: RequesterRefund
    note: str = Field(description="The admin's reasoning, shown to both parties.")


class DisputeDismissed(DisputeEvent):
    """An admin dismissed the dispute; the request resumes where it was."""

    TYPE = "hourbank.dispute.dismissed.v1"

    admin_id: AdminId
    note: str = Field(description="The admin's reasoning, shown to both parties.")


class DisputeRefused(DisputeEvent):
    """The request could not be disputed (e.g. wrong status); the dispute is closed."""

    TYPE = "hourbank.dispute.refused.v1"

    reason: str = Field(description="Why the request could not be disputed.")
