"""The database's clock, as a unit of work sees it: one time source for every replica."""

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session


class DatabaseClock:
    """PostgreSQL's `now()` in the session's transaction. It is the transaction's start, the
    same however often it is asked, so it is read once: one short query per unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._now: datetime | None = None

    def now(self) -> datetime:
        if self._now is None:
            self._now = self._session.execute(select(func.now())).scalar_one().astimezone(UTC)
        return self._now
