"""A piece of evidence a party adds to a dispute: a statement or a link."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from hourbank_disputes.domain.errors import InvalidInput

EvidenceKind = Literal["text", "link"]
CONTENT_MAX = 4000


@dataclass(frozen=True)
class Evidence:
    id: UUID
    dispute_id: UUID
    added_by: UUID
    kind: EvidenceKind
    content: str
    at: datetime

    def __post_init__(self) -> None:
        if not self.content.strip() or len(self.content) > CONTENT_MAX:
            raise InvalidInput(f"content: 1 to {CONTENT_MAX} characters")
        if self.kind == "link" and not self.content.startswith(("https://", "http://")):
            raise InvalidInput("content: a link must be an http(s) URL")
