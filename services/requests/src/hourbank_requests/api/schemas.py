"""What the members, offerings and requests API accepts and returns; hours are strings with
two decimals."""

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hourbank_requests.domain import members as m
from hourbank_requests.domain import offerings as o
from hourbank_requests.domain.lifecycle import Actor, DeadlineKind
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_shared.contracts.enums import OfferingStatus, Party, RequestStatus
from hourbank_shared.money import Amount, HoursInput, Rate, RateInput

MESSAGE_MAX = 2000
COMMENT_MAX = 1000


def _length(shortest: int, longest: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=shortest, max_length=longest)


DisplayName = Annotated[str, _length(1, m.DISPLAY_NAME_MAX)]
Email = Annotated[str, _length(3, m.EMAIL_MAX)]
Reason = Annotated[str, _length(1, m.REASON_MAX)]
Title = Annotated[str, _length(1, o.TITLE_MAX)]
Description = Annotated[str, _length(0, o.DESCRIPTION_MAX)]
Category = Annotated[str, _length(1, o.CATEGORY_MAX)]
Message = Annotated[str, _length(0, MESSAGE_MAX)]
Comment = Annotated[str, _length(0, COMMENT_MAX)]
Score = Annotated[int, Field(ge=1, le=5, strict=True, description="1 (poor) to 5 (excellent).")]
Window = Annotated[int, Field(ge=o.WINDOW_MIN, le=o.WINDOW_MAX, strict=True)]
RatingAverage = Annotated[
    Decimal | None, Field(description="Average score (1–5) to two decimals; null until rated.")
]


class View(BaseModel):
    """Read from the domain object's attributes of the same names."""

    model_config = ConfigDict(from_attributes=True)


class RegistrationIn(BaseModel):
    display_name: DisplayName
    email: Email | None = Field(None, description="For email notifications; never shown to others.")


class MemberView(View):
    """The caller's own membership."""

    id: UUID
    display_name: str
    email: str | None
    roles: list[str]
    status: m.MemberStatus
    rating_average: RatingAverage
    rating_count: int
    registered_at: datetime


class ProfileView(View):
    """What every member may see of another."""

    id: UUID
    display_name: str
    status: m.MemberStatus
    rating_average: RatingAverage
    rating_count: int


class SuspensionIn(BaseModel):
    reason: Reason


class ReactivationIn(BaseModel):
    reason: Reason


class OfferingIn(BaseModel):
    title: Title
    description: Description = ""
    category: Category = Field(description="Stored in lower case.")
    rate: RateInput = Field(o.DEFAULT_RATE, description="Hours paid per hour of service.")
    response_window_hours: Window = o.DEFAULT_WINDOW

    def terms(self) -> o.Terms:
        return o.Terms(
            self.title, self.description, self.category, self.rate, self.response_window_hours
        )


class OfferingPatch(BaseModel):
    """Only the fields sent change; none of them may be null."""

    title: Title | None = None
    description: Description | None = None
    category: Category | None = None
    rate: RateInput | None = None
    response_window_hours: Window | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null: leave out what does not change")
        return self

    def changes(self) -> o.TermChanges:
        """The fields sent, as they were parsed (none of them null, as checked above)."""
        return cast(o.TermChanges, {name: getattr(self, name) for name in self.model_fields_set})


ReviewNote = Annotated[str, _length(0, o.NOTE_MAX)]
RejectionReason = Annotated[str, _length(1, o.NOTE_MAX)]


SeenVersion = Annotated[
    int | None,
    Field(
        None, ge=0, description="The offering's `version` the admin reviewed: 409 if it changed."
    ),
]


class ApprovalIn(BaseModel):
    note: ReviewNote | None = Field(None, description="For the provider, if anything.")
    version: SeenVersion = None


class RejectionIn(BaseModel):
    reason: RejectionReason = Field(description="Why, as the provider will read it.")
    version: SeenVersion = None


class OfferingView(BaseModel):
    id: UUID
    provider_id: UUID
    title: str
    description: str
    category: str
    rate: Rate
    response_window_hours: int
    status: OfferingStatus = Field(
        description="Only APPROVED offerings are listed to members and can be requested."
    )
    active: bool = Field(description="false once withdrawn (status WITHDRAWN).")
    review_note: str | None = Field(
        None,
        description="The last review's note or rejection reason: shown to the provider and "
        "admins only.",
    )
    reviewed_by: UUID | None = Field(
        None, description="The admin who reviewed it last: shown to the provider and admins only."
    )
    version: int = Field(description="Changes with every change; a review may name it.")
    created_at: datetime

    @classmethod
    def of(cls, offering: o.Offering, *, with_review: bool = True) -> "OfferingView":
        """`with_review`: the caller is the provider or an admin, who read the review."""
        return cls(
            id=offering.id,
            provider_id=offering.provider_id,
            created_at=offering.created_at,
            status=offering.status,
            active=offering.active,
            review_note=offering.review_note if with_review else None,
            reviewed_by=offering.reviewed_by if with_review else None,
            version=offering.version,
            **asdict(offering.terms),
        )


class RequestIn(BaseModel):
    offering_id: UUID
    hours: HoursInput = Field(description="Hours asked for: (0, 1000], at most two decimals.")
    message: Message = ""


class CounterIn(BaseModel):
    hours: HoursInput
    rate: RateInput | None = Field(None, description="Left out: the rate on the table stays.")
    message: Message = ""


class CompleteIn(BaseModel):
    actual_hours: HoursInput = Field(description="Hours worked: at most the agreed hours.")


class RatingIn(BaseModel):
    score: Score
    comment: Comment = ""


class OfferView(View):
    """The terms on the table while negotiating, and which party put them there."""

    by: Party
    hours: Amount
    rate: Amount
    amount: Amount
    message: str


class OverdueView(BaseModel):
    request_id: UUID
    status: RequestStatus
    since: datetime = Field(description="When it last changed, or when its deadline fell due.")
    waiting_for: str = Field(description="Who or what should have moved it.")


class RequestView(BaseModel):
    id: UUID
    requester_id: UUID
    provider_id: UUID
    offering_id: UUID
    offering_title: str
    message: str
    status: RequestStatus
    previous_status: RequestStatus | None = Field(description="The status a dispute interrupted.")
    hours: Amount
    rate: Amount
    amount: Amount = Field(description="hours × rate: what escrow holds.")
    round: int = Field(description="Counter-offers made so far (at most 5).")
    offer: OfferView | None
    offer_accepted: bool = Field(description="true while escrow adjusts to the accepted offer.")
    deadline_at: datetime | None
    deadline_kind: DeadlineKind | None
    actual_hours: Amount | None
    actual_amount: Amount | None
    dispute_id: UUID | None
    reason: str | None = Field(description="Why the hold or its top-up failed, if it did.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, request: ServiceRequest, created_at: datetime, updated_at: datetime) -> Self:
        """The request's attributes of the same names, and the row's times."""
        stored = {"created_at": created_at, "updated_at": updated_at}
        return cls.model_validate(
            {name: getattr(request, name) for name in cls.model_fields.keys() - stored} | stored
        )


class HistoryView(View):
    """One step of a request's history; `actor_id` is null for the system and other services."""

    from_status: RequestStatus | None
    to_status: RequestStatus
    trigger: str
    actor: Actor
    actor_id: UUID | None
    at: datetime
    event_id: UUID | None = Field(description="The event that caused the step, if any.")
    detail: str | None
