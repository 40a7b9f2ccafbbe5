"""A notification to be created: who, what kind, the words, and what it is about."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class Note:
    member_id: UUID
    type: str
    title: str
    message: str
    related_id: UUID | None = None


def hours(amount: Decimal) -> str:
    return f"{amount} h"
