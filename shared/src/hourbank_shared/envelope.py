"""CloudEvents 1.0 envelope (structured JSON mode) with tracing and correlation extensions."""

import builtins
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from hourbank_shared import tracing
from hourbank_shared.contracts.base import Event

CONTENT_TYPE = "application/cloudevents+json"
E = TypeVar("E", bound=Event)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(default_factory=uuid4)
    source: str = Field(min_length=1, examples=["/hourbank/requests"])
    type: str = Field(min_length=1, examples=["hourbank.request.submitted.v1"])
    subject: str | None = None
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    data: dict[str, Any]
    traceparent: str | None = None
    correlationid: UUID
    causationid: UUID | None = None

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        time: datetime | None = None,
        caused_by: "Envelope | None" = None,
        correlation_id: UUID | None = None,
        traceparent: str | None = None,
    ) -> "Envelope":
        """Wrap a payload. Its `traceparent` names the span producing it (the HTTP request's,
        or the consumer's handling the causing event), so the next hop is that span's child;
        its correlation id is the causing event's, else the work in hand's
        (`hourbank_shared.tracing`)."""
        event_id = uuid4()
        traceparent = traceparent or tracing.current_traceparent()
        if caused_by is not None:
            correlation_id = correlation_id or caused_by.correlationid
            traceparent = traceparent or caused_by.traceparent
        else:
            correlation_id = correlation_id or tracing.current_correlation()
        return cls(
            id=event_id,
            source=source,
            type=event.TYPE,
            subject=event.subject(),
            time=time or datetime.now(UTC),
            dataschema=f"urn:hourbank:schema:{event.TYPE}",
            data=event.model_dump(mode="json"),
            traceparent=traceparent,
            correlationid=correlation_id or event_id,
            causationid=caused_by.id if caused_by is not None else None,
        )

    def payload(self, model: builtins.type[E]) -> E:
        """Validate `data` as the given payload model (raises pydantic.ValidationError)."""
        return model.model_validate(self.data)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Envelope":
        return cls.model_validate_json(raw)
