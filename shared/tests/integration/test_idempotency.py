"""Idempotency keys against the real PostgreSQL: replay, misuse, and racing duplicates."""

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.errors import InvalidInput
from hourbank_shared.idempotency import (
    IdempotentRequest,
    SqlIdempotency,
    StoredResponse,
    fingerprint,
    idempotency_table,
)

pytestmark = pytest.mark.integration

BODY = b'{"amount": "2.00", "reason": "gift"}'
FIRST = IdempotentRequest("member-a", "key-1", fingerprint("POST", "/v1/things", BODY))


class Store:
    def __init__(self, sessions: sessionmaker[Session], table: Table) -> None:
        self.sessions = sessions
        self.table = table

    def rows(self) -> int:
        with self.sessions() as session:
            return session.execute(select(func.count()).select_from(self.table)).scalar_one()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    metadata = MetaData()
    table = idempotency_table(metadata)
    engine = make_engine(database_url, pool_size=4)
    metadata.create_all(engine)
    yield Store(session_factory(engine), table)
    engine.dispose()


def answer_once(
    store: Store, request: IdempotentRequest, body: object, *, pause: float = 0.0
) -> StoredResponse | None:
    """What a route does: claim, act and remember if first, commit; or the stored answer."""
    with store.sessions() as session:
        keys = SqlIdempotency(session, store.table)
        stored = keys.claim(request)
        if stored is None:
            time.sleep(pause)
            keys.remember(request, 201, body)
            session.commit()
        return stored


def test_the_same_key_twice_gets_the_stored_response(store: Store) -> None:
    assert answer_once(store, FIRST, {"id": 1}) is None
    assert answer_once(store, FIRST, {"id": 2}) == StoredResponse(201, {"id": 1})
    assert store.rows() == 1


def test_the_same_json_spelt_differently_is_the_same_request() -> None:
    respaced = b'{"reason":"gift",   "amount":"2.00"}'
    assert fingerprint("post", "/v1/things", respaced) == FIRST.fingerprint
    assert fingerprint("POST", "/v1/other", BODY) != FIRST.fingerprint


def test_the_same_key_with_a_different_request_is_refused(store: Store) -> None:
    answer_once(store, FIRST, {"id": 1})
    other = IdempotentRequest(FIRST.scope, FIRST.key, fingerprint("POST", "/v1/things", b"{}"))

    with pytest.raises(InvalidInput, match="different request"):
        answer_once(store, other, {"id": 2})


def test_keys_of_different_callers_never_collide(store: Store) -> None:
    answer_once(store, FIRST, {"id": 1})
    theirs = IdempotentRequest("member-b", FIRST.key, FIRST.fingerprint)

    assert answer_once(store, theirs, {"id": 2}) is None
    assert store.rows() == 2


def test_a_rolled_back_claim_leaves_the_key_free(store: Store) -> None:
    with store.sessions() as session:
        assert SqlIdempotency(session, store.table).claim(FIRST) is None
        session.rollback()

    assert answer_once(store, FIRST, {"id": 1}) is None


def test_of_two_concurrent_claims_exactly_one_proceeds(store: Store) -> None:
    start = threading.Barrier(2)
    results: list[StoredResponse | None] = []
    errors: list[BaseException] = []

    def claim(body: object) -> None:
        start.wait()
        try:
            # the winner holds its claim uncommitted long enough for the other to block on it
            results.append(answer_once(store, FIRST, body, pause=0.5))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=({"by": n},)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    assert len(results) == 2
    assert results.count(None) == 1
    [replayed] = [r for r in results if r is not None]
    assert replayed.status_code == 201
    assert replayed.body in ({"by": 0}, {"by": 1})
    assert store.rows() == 1
