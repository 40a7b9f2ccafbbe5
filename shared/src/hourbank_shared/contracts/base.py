"""The base of every event payload: its type, topic and Kafka key field."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A typed event payload (the CloudEvents `data`). Unknown fields are ignored on read,
    so producers may add optional fields without breaking older consumers."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    """CloudEvents type, e.g. `hourbank.request.submitted.v1`."""
    TOPIC: ClassVar[str]
    KEY: ClassVar[str]
    """Name of the field whose value is the Kafka key (the aggregate id)."""
    SUBJECT: ClassVar[str | None] = None
    """Name of the field used as CloudEvents `subject`; defaults to KEY."""

    def key(self) -> str:
        return str(getattr(self, self.KEY))

    def subject(self) -> str:
        return str(getattr(self, self.SUBJECT or self.KEY))
