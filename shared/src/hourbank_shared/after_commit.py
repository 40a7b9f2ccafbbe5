"""Work that must happen only once a unit of work's transaction has committed (metrics of what
it did): a rollback, or a commit that fails, forgets it.

A unit of work in a consumer's batch (`hourbank_shared.batch`) shares the batch's transaction:
its work runs at the batch's commit, or is forgotten with the batch. Inside a savepoint, the
work waits for the outermost commit: releasing the savepoint hands it to the enclosing
transaction, rolling the savepoint back forgets only what was registered inside it.
"""

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_PENDING = "hourbank.after_commit"

Pending = list[tuple[SessionTransaction | None, Callable[[], None]]]


def after_commit(session: Session, run: Callable[[], None]) -> None:
    """Call `run` right after `session` commits its transaction; never if it rolls back."""
    pending: Pending | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_rollback", _rolled_back)
    pending.append((session.get_nested_transaction(), run))


def _committed(session: Session) -> None:
    pending: Pending = session.info.get(_PENDING, [])
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # a savepoint released: its work now waits for the enclosing one
        parent = (
            savepoint.parent if savepoint.parent is not None and savepoint.parent.nested else None
        )
        pending[:] = [(parent if tx is savepoint else tx, run) for tx, run in pending]
        return
    runs = [run for _, run in pending]
    pending.clear()
    for run in runs:
        try:
            run()
        except Exception:  # the transaction is committed: its caller must not see a failure
            log.exception("after commit: %r failed", run)


def _rolled_back(session: Session) -> None:
    pending: Pending = session.info.get(_PENDING, [])
    savepoint = session.get_nested_transaction()
    if savepoint is None:
        pending.clear()
    else:
        pending[:] = [(tx, run) for tx, run in pending if tx is not savepoint]
