"""Wake-ups for the deadline worker: LISTEN for the NOTIFY that the requests table's triggers
send whenever a request's deadline is set or moved (migration 0002), with the new deadline as
the payload, so a sleeping worker learns of an earlier deadline without a query."""

from datetime import UTC, datetime

import psycopg
from psycopg.conninfo import make_conninfo

from hourbank_shared.db import CONNECT_ARGS
from hourbank_shared.settings import libpq_url

CHANNEL = "hourbank_requests_deadline"


class PgDeadlineAlarm:
    """One connection of its own, in autocommit, that only listens."""

    def __init__(self, database_url: str) -> None:
        self._url = libpq_url(database_url)
        self._connection: psycopg.Connection | None = None

    def arm(self) -> None:
        """Listen, again after a lost connection. Called before the earliest deadline is read:
        a deadline set after that read is then always heard."""
        if self._connection is not None and not self._connection.closed:
            return
        self._connection = psycopg.connect(
            make_conninfo(self._url, **CONNECT_ARGS), autocommit=True
        )
        self._connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, seconds: float, earlier_than: datetime | None) -> bool:
        """Waits up to `seconds` for a deadline set before `earlier_than` (None: any); True if
        one was. Waiting reads the socket only: the database runs no query for it."""
        if self._connection is None:
            raise RuntimeError("arm the alarm before waiting on it")
        try:
            for notice in self._connection.notifies(timeout=seconds):
                if earlier_than is None or _earlier(notice.payload, earlier_than):
                    return True
        except psycopg.Error:
            self.close()  # the next `arm` connects again
            raise
        return False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _earlier(payload: str, than: datetime) -> bool:
    """True also for a payload that is not a time: waking once more costs one query."""
    try:
        return datetime.fromtimestamp(float(payload), UTC) < than
    except ValueError:
        return True
