"""Metrics of a unit of work are observed only once its transaction committed."""

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from hourbank_shared.after_commit import after_commit

sessions = sessionmaker(create_engine("sqlite://"))


def test_runs_after_the_commit_and_only_once() -> None:
    seen: list[str] = []
    with sessions() as session:
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: seen.append("a"))
        after_commit(session, lambda: seen.append("b"))
        assert seen == []
        session.commit()
        assert seen == ["a", "b"]
        session.execute(text("SELECT 1"))
        session.commit()
    assert seen == ["a", "b"]


def test_a_rollback_forgets_it() -> None:
    seen: list[str] = []
    with sessions() as session:
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: seen.append("rolled back"))
        session.rollback()
        session.execute(text("SELECT 1"))
        session.commit()
    assert seen == []


def test_a_failing_observation_does_not_fail_the_commit() -> None:
    seen: list[str] = []

    def broken() -> None:
        raise RuntimeError("a label is missing")

    with sessions() as session:
        session.execute(text("SELECT 1"))
        after_commit(session, broken)
        after_commit(session, lambda: seen.append("next"))
        session.commit()
    assert seen == ["next"]


def test_inside_a_savepoint_it_waits_for_the_outermost_commit() -> None:
    seen: list[str] = []
    with sessions() as session:
        session.execute(text("SELECT 1"))
        kept = session.begin_nested()
        after_commit(session, lambda: seen.append("kept"))
        kept.commit()
        assert seen == []
        undone = session.begin_nested()
        after_commit(session, lambda: seen.append("undone"))
        undone.rollback()
        session.commit()
    assert seen == ["kept"]


def test_a_rolled_back_batch_forgets_its_released_savepoints_work() -> None:
    seen: list[str] = []
    with sessions() as session:
        session.execute(text("SELECT 1"))
        savepoint = session.begin_nested()
        after_commit(session, lambda: seen.append("released, then rolled back"))
        savepoint.commit()
        session.rollback()
        session.execute(text("SELECT 1"))
        session.commit()
    assert seen == []
