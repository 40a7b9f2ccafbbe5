"""A tiny consuming service for the inbox crash test.

`python -m hourbank_shared.testing.inbox_app NAME TOPIC DATABASE_URL BOOTSTRAP [CRASH_AT]`
counts each MemberRegistered it handles in table `effects`, claiming the event in the inbox
in the same unit of work (so the consumer batches them, as it does a service's). With
CRASH_AT=n it dies (os._exit) right after the commit that applied the n-th event, before its
offset can be stored, so the broker redelivers what it already applied.
"""

import os
import signal
import sys
import threading
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Uuid
from sqlalchemy.dialects.postgresql import insert

from hourbank_shared.after_commit import after_commit
from hourbank_shared.consumer import ConsumerRunner
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.envelope import Envelope
from hourbank_shared.idempotency import idempotency_table
from hourbank_shared.inbox import inbox_table
from hourbank_shared.outbox import outbox_table
from hourbank_shared.unit_of_work import MessagingTables, SqlUnitOfWork


def main() -> None:
    name, topic, database_url, bootstrap = sys.argv[1:5]
    crash_at = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    metadata = MetaData()
    inbox = inbox_table(metadata)
    effects = Table(
        "effects", metadata, Column("member_id", Uuid, primary_key=True), Column("count", Integer)
    )
    engine = make_engine(database_url, pool_size=2)
    sessions = session_factory(engine)
    tables = MessagingTables(inbox, outbox_table(metadata), idempotency_table(metadata))
    metadata.create_all(engine)
    handled = 0

    def applied(envelope: Envelope) -> None:
        nonlocal handled
        handled += 1
        print(f"APPLIED {envelope.id}", flush=True)
        if handled == crash_at:
            os._exit(137)

    def handle(envelope: Envelope, event: Any) -> None:
        with SqlUnitOfWork(sessions, tables, "/hourbank/test") as uow:
            if not uow.inbox.claim(name, envelope.id, envelope.type):
                print(f"DUPLICATE {envelope.id}", flush=True)
                return
            uow.session.execute(
                insert(effects)
                .values(member_id=event.member_id, count=1)
                .on_conflict_do_update(
                    index_elements=[effects.c.member_id], set_={"count": effects.c.count + 1}
                )
            )
            after_commit(uow.session, lambda: applied(envelope))
            uow.commit()

    runner = ConsumerRunner(
        name=name,
        bootstrap=bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: handle},
        instance_id=f"{name}-0",
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner.run(stop)


if __name__ == "__main__":
    main()
