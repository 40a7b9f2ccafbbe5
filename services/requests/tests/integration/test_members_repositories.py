"""Member and offering repositories: versioned saves against the real PostgreSQL."""

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offerings import Offering, TermChanges, Terms
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.db import ConcurrentUpdate, make_engine, session_factory

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, pool_size=2)
    tables.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


def new_member() -> Member:
    return Member.register(uuid4(), "Ada", None, frozenset({"member"}), NOW)


def test_what_was_saved_loads_back(sessions: sessionmaker[Session]) -> None:
    member = new_member()
    offering = Offering.create(member, Terms("Garden help", "Weeding", "garden"), NOW)
    with SqlUnitOfWork(sessions) as uow:
        uow.members.save(member)
        uow.offerings.save(offering)
        uow.commit()

    with SqlUnitOfWork(sessions) as uow:
        loaded_member = uow.members.lock(member.id)
        loaded_offering = uow.offerings.lock(offering.id)

    assert loaded_member is not None and loaded_offering is not None
    assert (loaded_member.display_name, loaded_member.roles) == ("Ada", ("member",))
    assert loaded_member.registered_at == NOW
    assert loaded_offering.terms == offering.terms
    assert (loaded_offering.provider_id, loaded_offering.active) == (member.id, True)


def test_a_save_over_a_newer_version_fails(sessions: sessionmaker[Session]) -> None:
    member = new_member()
    offering = Offering.create(member, Terms("Garden help", "", "garden"), NOW)
    with SqlUnitOfWork(sessions) as uow:
        uow.offerings.save(offering)
        uow.commit()

    with SqlUnitOfWork(sessions) as stale, SqlUnitOfWork(sessions) as fresh:
        # `stale` read without locking, as a write that skipped the lock would
        stale_copy = stale.offerings.lock(offering.id)
        stale.session.commit()
        assert stale_copy is not None
        fresh_copy = fresh.offerings.lock(offering.id)
        assert fresh_copy is not None
        fresh_copy.revise(member.id, TermChanges(title="Fresh"))
        fresh.offerings.save(fresh_copy)
        fresh.commit()

        stale_copy.revise(member.id, TermChanges(title="Stale"))
        with pytest.raises(ConcurrentUpdate, match="since version 0"):
            stale.offerings.save(stale_copy)


def test_registering_a_member_that_appeared_meanwhile_fails(
    sessions: sessionmaker[Session],
) -> None:
    member = new_member()
    with SqlUnitOfWork(sessions) as uow:
        uow.members.save(member)
        uow.commit()

    with SqlUnitOfWork(sessions) as uow, pytest.raises(ConcurrentUpdate, match="concurrently"):
        uow.members.save(Member.register(member.id, "Twin", None, frozenset({"member"}), NOW))
