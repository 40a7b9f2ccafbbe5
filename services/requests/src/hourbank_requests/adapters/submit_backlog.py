"""The submit backlog in PostgreSQL: requests still waiting for escrow's hold (INITIATED).

One short read on the partial index `requests_awaiting_escrow`, as cheap as the backlog is
short. Every API replica reads the same table, so the backlog, and the limit on it, is global.
"""

from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables as t
from hourbank_requests.load_shedding import BacklogReading
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.db import single_read


class SqlSubmitBacklog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def read(self, previous: datetime | None) -> BacklogReading:
        c = t.requests.c
        # `previous` is a reading's own `now()`: the database's clock on both sides
        still_waiting = func.count().filter(c.created_at <= previous) if previous else literal(0)
        query = select(func.now(), func.count(), still_waiting).where(
            c.status == str(RequestStatus.INITIATED)
        )
        with single_read(self._sessions) as session:
            at, waiting, waiting_since_previous = session.execute(query).one()
        return BacklogReading(at, waiting, waiting_since_previous)
