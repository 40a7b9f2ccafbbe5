"""The services' engine against the real PostgreSQL: a connection idle for a while is pinged
before use (so the pool survives a database restart), one just used is not; and read-only
sessions end with COMMIT, so the statements psycopg prepared on a connection stay prepared."""

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared import db
from hourbank_shared.db import make_engine, read_only, session_factory, single_read

pytestmark = pytest.mark.integration

PREPARED_HERE = text("SELECT count(*) FROM pg_prepared_statements")
A_QUERY = text("SELECT count(*) FROM pg_class WHERE relname = :name")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url, pool_size=1)  # one session at a time: one connection
    yield made
    made.dispose()


class CountedPings:
    def __init__(self, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        ping = engine.dialect.do_ping

        def counted(dbapi_connection: object) -> bool:
            self.count += 1
            return ping(dbapi_connection)  # type: ignore[arg-type]

        monkeypatch.setattr(engine.dialect, "do_ping", counted)


def backend_pid(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_just_used_is_not_pinged_one_idle_for_a_while_is(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = session_factory(engine)
    pings = CountedPings(engine, monkeypatch)
    backend_pid(sessions)  # a new connection: not pinged either
    for _ in range(5):
        backend_pid(sessions)
    assert pings.count == 0
    time.sleep(db.PING_AFTER_IDLE_SECONDS + 0.2)
    backend_pid(sessions)
    assert pings.count == 1


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(
    engine: Engine, database_url: str
) -> None:
    sessions = session_factory(engine)
    dropped = backend_pid(sessions)
    other = make_engine(database_url, pool_size=1)
    with session_factory(other)() as session:
        assert session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}).scalar()
    other.dispose()
    time.sleep(db.PING_AFTER_IDLE_SECONDS + 0.2)  # what a database restart takes, at least

    assert backend_pid(sessions) != dropped  # the ping failed: a new connection, no error


def test_a_read_only_session_refuses_a_write_and_leaves_nothing_behind(engine: Engine) -> None:
    sessions = session_factory(engine)
    refused = pytest.raises(InternalError, match="read-only transaction")
    with refused, read_only(sessions) as session:
        session.execute(text("CREATE TABLE read_only_probe (id int)"))
    with sessions() as session:  # the next, ordinary session may write
        session.execute(text("CREATE TEMP TABLE read_write_probe (id int)"))
        assert session.execute(text("SHOW transaction_read_only")).scalar() == "off"


@pytest.mark.parametrize("reading", [read_only, single_read], ids=["read_only", "single_read"])
def test_statements_stay_prepared_across_reads(
    engine: Engine, reading: Callable[[sessionmaker[Session]], AbstractContextManager[Session]]
) -> None:
    sessions = session_factory(engine)
    for _ in range(8):  # past psycopg's prepare threshold (5 executions)
        with reading(sessions) as session:
            session.execute(A_QUERY, {"name": "pg_class"}).scalar_one()
    with reading(sessions) as session:
        assert session.execute(PREPARED_HERE).scalar_one() >= 1


def test_a_session_that_rolls_back_loses_them_which_is_why_reads_commit(engine: Engine) -> None:
    sessions = session_factory(engine)
    for _ in range(8):
        with sessions() as session:  # closed without a commit: ROLLBACK
            session.execute(A_QUERY, {"name": "pg_class"}).scalar_one()
    with read_only(sessions) as session:
        assert session.execute(PREPARED_HERE).scalar_one() == 0


def test_a_single_read_runs_outside_a_transaction_and_the_next_session_is_transactional_again(
    engine: Engine,
) -> None:
    sessions = session_factory(engine)
    in_transaction = text("SELECT now() = statement_timestamp()")  # false inside BEGIN … COMMIT
    with single_read(sessions) as session:
        session.execute(text("SELECT pg_sleep(0.01)"))
        alone = session.execute(in_transaction).scalar_one()
    with sessions() as session:  # the same pooled connection, back to transactions
        session.execute(text("SELECT pg_sleep(0.01)"))
        inside = session.execute(in_transaction).scalar_one()
        session.execute(text("CREATE TEMP TABLE single_read_probe (id int)"))
        session.rollback()
        session.execute(text("SELECT 1"))
        assert (
            session.execute(
                text("SELECT count(*) FROM pg_class WHERE relname = 'single_read_probe'")
            ).scalar_one()
            == 0
        )  # rolled back: it was a transaction

    assert (alone, inside) == (True, False)
