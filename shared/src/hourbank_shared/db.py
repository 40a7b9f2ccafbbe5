"""Engines and sessions for a service's own database."""

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from typing import TypeAlias
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Column,
    Engine,
    Insert,
    Numeric,
    Table,
    Update,
    bindparam,
    create_engine,
    event,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError, InvalidatePoolError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.elements import ClauseElement

from hourbank_shared.batch import current_batch
from hourbank_shared.settings import sqlalchemy_url

CONNECT_TIMEOUT_SECONDS = 10
"""A connection attempt to an unreachable database fails after this long instead of hanging a
loop past its liveness window (`hourbank_shared.heartbeat`); TCP keepalives notice an open
connection whose peer vanished within about a minute, for the same reason."""
CONNECT_ARGS: dict[str, int] = {
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
"""libpq's settings for every connection a service opens: the pool's, and a listener's."""


PING_AFTER_IDLE_SECONDS = 0.2
"""A pooled connection idle longer than this is pinged before use; one used more recently is
not. A database restart takes longer than this (0.6–2 s, here), so no connection that was in
the pool across a restart escapes the ping; under load a connection is back in use within
milliseconds, and the ping (a round trip and a statement per transaction) is saved. Should one
escape (a faster restart), its first statement fails as a disconnect: SQLAlchemy then replaces
every pooled connection, and that one unit of work fails (a consumer retries it; an API call
answers 503)."""


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine whose pool pings a connection idle for a while before using it, so
    connections survive a database restart."""
    engine = create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args=dict(CONNECT_ARGS),
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    # `info` lives as long as the DBAPI connection: a reconnected entry starts without it
    @event.listens_for(engine, "connect")
    def connected(_dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info[_LAST_USED_AT] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info[_LAST_USED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object
    ) -> None:
        last_used_at = record.info.get(_LAST_USED_AT, 0.0)
        if time.monotonic() - last_used_at <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as e:
            # as pre-ping does: the others were most likely cut by the same restart
            raise InvalidatePoolError(f"a pooled connection failed its ping: {e}") from e


_LAST_USED_AT = "hourbank_last_used_at"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_Variants: TypeAlias = WeakKeyDictionary[sessionmaker[Session], sessionmaker[Session]]
_read_only_factories: _Variants = WeakKeyDictionary()
_single_read_factories: _Variants = WeakKeyDictionary()


def _variant(
    made: _Variants, sessions: sessionmaker[Session], **options: object
) -> sessionmaker[Session]:
    """The same sessions on their engine with these execution options; made once per factory
    (kept in `made`)."""
    variant = made.get(sessions)
    if variant is None:
        bind = sessions.kw["bind"]
        settings = {k: v for k, v in sessions.kw.items() if k != "bind"}
        variant = sessionmaker(bind.execution_options(**options), **settings)
        made[sessions] = variant
    return variant


def read_only_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The same sessions, with READ ONLY transactions (a write in one fails); made once per
    factory. End them with `end_read`, or use `read_only`."""
    return _variant(_read_only_factories, sessions, postgresql_readonly=True)


def end_read(session: Session, *, succeeded: bool) -> None:
    """Ends a read-only session's transaction with COMMIT where it succeeded, then closes it.

    Why not ROLLBACK, as closing does: psycopg forgets every statement it prepared on the
    connection at each ROLLBACK (and sends DEALLOCATE ALL), so a pool whose reads roll back
    between writes never keeps a prepared statement, and PostgreSQL parses and plans each one
    again (about 80 µs of its CPU a statement, measured). A READ ONLY transaction has nothing
    to commit, so its COMMIT costs what a ROLLBACK does."""
    try:
        if succeeded and session.in_transaction():
            session.commit()
    finally:
        session.close()


@contextmanager
def read_only(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reads: a READ ONLY transaction, committed at the end (see `end_read`)."""
    session = read_only_sessions(sessions)()
    succeeded = False
    try:
        yield session
        succeeded = True
    finally:
        end_read(session, succeeded=succeeded)


@contextmanager
def single_read(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for one read statement, in autocommit: the statement is a transaction of its
    own, with its own snapshot, and neither BEGIN nor COMMIT goes to the database (two round
    trips of the three a `read_only` session of one statement takes). For code that runs one
    SELECT; reads that must see one snapshot across statements use `read_only`. Nothing rolls
    back, so psycopg keeps its prepared statements (see `end_read`)."""
    session = _variant(_single_read_factories, sessions, isolation_level="AUTOCOMMIT")()
    try:
        yield session
    finally:
        session.close()


_STAGED = "hourbank_staged_inserts"
"""Where a session keeps the rows its transaction inserts at its commit (`stage_insert`)."""


def stage_insert(session: Session, statement: Insert, *rows: Mapping[str, object]) -> None:
    """Insert `rows` with `statement`: inside a consumer's batch (`hourbank_shared.batch`),
    right before its transaction commits, together with the other rows staged for the same
    statement (one multi-row INSERT instead of one per event); outside one, at once.

    For rows nothing reads before the commit (outbox rows, ledger rows, notifications), and
    that no row written at once refers to. Statements run in the order each was first
    staged, rows in the order staged, so a staged row may refer to one staged earlier. A row
    the database refuses (a duplicate key) fails the commit, and so the batch. A rolled-back
    or closed transaction inserts none of them."""
    if not rows:
        return
    if current_batch() is None:
        session.execute(statement, list(rows))
        return
    staged: dict[Insert, list[Mapping[str, object]]] = session.info.setdefault(_STAGED, {})
    staged.setdefault(statement, []).extend(rows)


def staged_rows(session: Session) -> int:
    """How many rows the session's transaction will insert at its commit."""
    staged: dict[Insert, list[Mapping[str, object]]] = session.info.get(_STAGED, {})
    return sum(len(rows) for rows in staged.values())


@event.listens_for(Session, "before_commit")
def _insert_staged(session: Session) -> None:
    staged: dict[Insert, list[Mapping[str, object]]] | None = session.info.pop(_STAGED, None)
    for statement, rows in (staged or {}).items():
        session.execute(statement, list(rows))


@event.listens_for(Session, "after_transaction_end")
def _drop_staged(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the session's transaction, not a savepoint
        session.info.pop(_STAGED, None)


class ConcurrentUpdate(Exception):
    """A row changed (or appeared) since it was loaded: the unit of work must be retried."""


def insert_new(session: Session, table: Table, row: Mapping[str, object]) -> None:
    """Inserts a row that was not there when the unit of work looked (a racing insert fails)."""
    if session.execute(_insert_new(table), dict(row)).first() is None:
        key = ", ".join(str(row[column.name]) for column in table.primary_key)
        raise ConcurrentUpdate(f"{table.name} row {key} was created concurrently")


def update_versioned(
    session: Session,
    table: Table,
    key: Mapping[str, object],
    loaded_version: int,
    values: Mapping[str, object],
) -> None:
    """Updates the row whose columns equal `key` only if it still has the version it was
    loaded with. A value may be a SQL expression (`func.now()`): a statement with one is
    built for the call, any other is built once per table and key."""
    expressions = {name: v for name, v in values.items() if isinstance(v, ClauseElement)}
    bound = {name: v for name, v in values.items() if name not in expressions}
    statement = _update_versioned(table, tuple(key))
    if expressions:
        statement = statement.values(expressions)
    params = {**{f"key_{name}": v for name, v in key.items()}, **bound}
    params["loaded_version"] = loaded_version
    if getattr(session.execute(statement, params), "rowcount", 0) != 1:
        raise ConcurrentUpdate(f"{table.name} row changed since version {loaded_version}")


def save_versioned(
    session: Session,
    table: Table,
    key: Mapping[str, object],
    loaded_version: int | None,
    version: int,
    identity: Mapping[str, object],
    values: Mapping[str, object],
) -> None:
    """Inserts a row the unit of work did not load (`identity` and `values`); updates the one
    it loaded (its columns equal `key`) whose version moved, only if nobody changed it since
    (`update_versioned`)."""
    if loaded_version is None:
        row = {**identity, **values}
        session.execute(_insert(table), row)
    elif loaded_version != version:
        update_versioned(session, table, key, loaded_version, values)


# Statements built once per table, their values bound per call (the columns a call sets are
# the keys of its parameters): building a statement and its cache key costs more CPU than
# executing it.


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


@cache
def _insert_new(table: Table) -> Insert:
    return insert(table).on_conflict_do_nothing().returning(*table.primary_key)


@cache
def _update_versioned(table: Table, key: tuple[str, ...]) -> Update:
    return update(table).where(
        *(table.c[name] == bindparam(f"key_{name}") for name in key),
        table.c.version == bindparam("loaded_version"),
    )


def hours_column(name: str, *, nullable: bool = False) -> Column[Decimal]:
    """Hours as stored everywhere: exact, two decimals (SPEC §2)."""
    return Column(name, Numeric(14, 2), nullable=nullable)


@contextmanager
def losing_unique_race(index: str, refusal: Callable[[], Exception]) -> Iterator[None]:
    """Two transactions racing past a check both insert and the unique `index` stops the
    second: raise `refusal()` for it instead of the database's error."""
    try:
        yield
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) != index:
            raise
        raise refusal() from None
