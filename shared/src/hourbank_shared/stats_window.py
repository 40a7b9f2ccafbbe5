"""The window of the admins' KPI routes (`GET /v1/<…>/stats?hours=24`): one parameter, one
answer header, so every service's figures read the same way (docs/metrics.md, KPIs)."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

HOURS_MAX = 24 * 90

Hours = Annotated[
    int,
    Query(ge=1, le=HOURS_MAX, description="The window: the last this many hours (1 to 2160)."),
]


class Window(BaseModel):
    """What every KPI answer starts with: the window its figures cover, `[since, until]`."""

    window_hours: int
    since: datetime
    until: datetime = Field(description="The service's clock when asked.")

    @classmethod
    def last(cls, hours: int, now: datetime) -> "Window":
        return cls(window_hours=hours, since=now - timedelta(hours=hours), until=now)


def ratio(part: int, whole: int) -> float | None:
    """`part / whole` to four decimals; None (JSON null) when nothing happened to divide."""
    return round(part / whole, 4) if whole else None
