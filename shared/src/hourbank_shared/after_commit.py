"""Work that must happen only once a unit of work's transaction has committed (metrics of what
it did): a rollback, or a commit that fails, forgets it."""

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "hourbank.after_commit"


def after_commit(session: Session, run: Callable[[], None]) -> None:
    """Call `run` right after `session` commits its transaction; never if it rolls back."""
    pending: list[Callable[[], None]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_rollback", _forget_pending)
    pending.append(run)


def _run_pending(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info.get(_PENDING, [])
    runs, pending[:] = list(pending), []
    for run in runs:
        try:
            run()
        except Exception:  # the transaction is committed: its caller must not see a failure
            log.exception("after commit: %r failed", run)


def _forget_pending(session: Session) -> None:
    session.info.get(_PENDING, []).clear()
