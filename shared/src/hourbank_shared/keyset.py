"""Keyset pages ordered newest first by (created_at, id), for tables keyed by UUIDs.

The shared cursor carries one integer; these rows need a time and an id to break its ties, so
the cursor here is the pair, still opaque to clients.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Column, Select, tuple_

from hourbank_shared.errors import InvalidInput
from hourbank_shared.pagination import Page

_PREFIX = "at:"
R = TypeVar("R")
T = TypeVar("T")
S = TypeVar("S", bound=Select[tuple[object, ...]])


def encode_position(created_at: datetime, row_id: UUID) -> str:
    text = f"{_PREFIX}{created_at.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_position(cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = text.removeprefix(_PREFIX).partition("|")
        if text.startswith(_PREFIX):
            position = datetime.fromisoformat(at), UUID(row_id)
            if position[0].tzinfo is not None:
                return position
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput("cursor: not a cursor this API returned")


def newest_first(
    query: S,
    created_at: Column[datetime],
    row_id: Column[UUID],
    limit: int,
    cursor: str | None,
) -> S:
    """The query for one page: one row more than `limit`, to know whether another page follows."""
    after = decode_position(cursor)
    if after is not None:
        query = query.where(tuple_(created_at, row_id) < tuple_(*after))
    return query.order_by(created_at.desc(), row_id.desc()).limit(limit + 1)


def page_of(
    rows: Sequence[R],
    limit: int,
    item: Callable[[R], T],
    position: Callable[[T], tuple[datetime, UUID]],
) -> Page[T]:
    items = [item(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_position(*position(items[-1])) if more else None)
