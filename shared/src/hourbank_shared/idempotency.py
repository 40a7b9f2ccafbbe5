"""Idempotency keys: a repeated POST gets the stored response instead of acting twice.

The key is claimed in the caller's unit of work, before the command runs, and the response is
remembered in the same transaction, so the claim, the effect and the answer commit together. A
request that fails rolls its claim back: only successful responses are replayed.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    DateTime,
    Executable,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from hourbank_shared.auth import CurrentPrincipal
from hourbank_shared.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def idempotency_table(metadata: MetaData) -> Table:
    """The idempotency table, added to the service's own metadata (and migrations)."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("fingerprint", Text, nullable=False),
        # Both NULL only inside the claiming transaction; committed rows always carry them.
        Column("status_code", Integer),
        Column("response", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def fingerprint(method: str, path: str, body: bytes) -> str:
    """sha256 of the method, path and body (JSON bodies compared by content, not spacing)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    scope: str
    """Whose key it is (the caller's member id): keys of different callers never collide."""
    key: str
    fingerprint: str


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any

    def replay(self) -> JSONResponse:
        return JSONResponse(self.body, self.status_code, headers={REPLAYED_HEADER: "true"})


@dataclass(frozen=True)
class _Statements:
    """A table's statements, built once: building one and computing its cache key costs more
    CPU than executing it. The key's parameters are `the_scope` and `the_key`."""

    claim: Executable
    stored: Executable
    remember: Executable


@cache
def _statements(t: Table) -> _Statements:
    the_key = (t.c.scope == bindparam("the_scope"), t.c.key == bindparam("the_key"))
    return _Statements(
        claim=insert(t).on_conflict_do_nothing().returning(t.c.key),
        stored=select(t.c.fingerprint, t.c.status_code, t.c.response).where(*the_key),
        remember=update(t).where(*the_key),
    )


class SqlIdempotency:
    """Claims and answers idempotency keys inside one session's transaction."""

    def __init__(self, session: Session, table: Table) -> None:
        self._session = session
        self._statements = _statements(table)

    def claim(self, request: IdempotentRequest) -> StoredResponse | None:
        """None if this request is the first with its key (run it, then `remember`), else the
        response stored for it; InvalidInput if the key came with a different request."""
        # A concurrent claim of the same key blocks on the primary key until the first
        # transaction ends: after a commit it finds the stored response, after a rollback it wins.
        row = {"scope": request.scope, "key": request.key, "fingerprint": request.fingerprint}
        if self._session.execute(self._statements.claim, row).first() is not None:
            return None
        the_key = {"the_scope": request.scope, "the_key": request.key}
        stored = self._session.execute(self._statements.stored, the_key).one()
        if stored.fingerprint != request.fingerprint:
            raise InvalidInput(
                f"the {HEADER} {request.key!r} was already used for a different request; "
                "use a new key for a new request"
            )
        if stored.status_code is None:
            raise Conflict(f"the request with {HEADER} {request.key!r} is still being processed")
        return StoredResponse(stored.status_code, stored.response)

    def remember(self, request: IdempotentRequest, status_code: int, body: Any) -> None:
        """Store the response of a claimed request; it commits with the request's effect."""
        the_key = {"the_scope": request.scope, "the_key": request.key}
        answer = {"status_code": status_code, "response": body}
        self._session.execute(self._statements.remember, the_key | answer)


class IdempotentCommand:
    """One command's key, or none: `stored()` before acting, `respond()` before committing."""

    def __init__(self, keys: SqlIdempotency, request: IdempotentRequest | None) -> None:
        self._keys = keys
        self._request = request

    def stored(self) -> JSONResponse | None:
        """The response to replay if this key was answered already; None to go ahead."""
        if self._request is None:
            return None
        stored = self._keys.claim(self._request)
        return stored.replay() if stored is not None else None

    def respond(self, status_code: int, body: BaseModel) -> JSONResponse:
        """The response, remembered for the key; it is kept only if the transaction commits."""
        content = body.model_dump(mode="json")
        if self._request is not None:
            self._keys.remember(self._request, status_code, content)
        return JSONResponse(content, status_code)


async def idempotent_request(
    request: Request,
    principal: CurrentPrincipal,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Repeating a request with the same key returns the first response "
            "instead of acting again.",
        ),
    ] = None,
) -> IdempotentRequest | None:
    """The request's idempotency key, scoped to the caller, or None without the header."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"the {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters")
    body = await request.body()
    return IdempotentRequest(
        str(principal.member_id), key, fingerprint(request.method, request.url.path, body)
    )


IdempotencyKey = Annotated[IdempotentRequest | None, Depends(idempotent_request)]
