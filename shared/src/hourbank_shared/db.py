"""Engines and sessions for a service's own database."""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    Column,
    Engine,
    Insert,
    Numeric,
    Table,
    Update,
    bindparam,
    create_engine,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ClauseElement

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


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine with pre-ping, so connections survive a database restart."""
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args=dict(CONNECT_ARGS),
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


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
