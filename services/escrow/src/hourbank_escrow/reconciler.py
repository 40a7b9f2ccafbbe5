"""Reconciliation on a schedule, its result exported as metrics."""

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow import metrics
from hourbank_escrow.adapters.ledger_state import reconcile_stored
from hourbank_escrow.domain import ReconciliationReport
from hourbank_shared.heartbeat import Heartbeat

log = logging.getLogger(__name__)

HEARTBEAT_WINDOW_SECONDS = 900.0
"""One reconciliation reads the whole ledger; on a large one that takes minutes."""


def reconcile_once(sessions: sessionmaker[Session]) -> ReconciliationReport:
    started = time.perf_counter()
    with sessions() as session:
        report = reconcile_stored(session)
    metrics.RECONCILIATION_OK.set(1 if report.ok else 0)
    metrics.RECONCILIATION_VIOLATIONS.set(len(report.violations))
    metrics.RECONCILIATION_SECONDS.set(time.perf_counter() - started)
    metrics.RECONCILIATION_AT.set(time.time())
    for violation in report.violations:
        log.error("reconciliation: %s %s: %s", violation.check, violation.subject, violation.detail)
    log.info(
        "reconciliation %s: %d accounts, %d transactions, %d holds",
        "clean" if report.ok else f"found {len(report.violations)} violations",
        report.accounts, report.transactions, report.holds,
    )  # fmt: skip
    return report


def reconcile_every(
    sessions: sessionmaker[Session],
    seconds: float,
    stop: threading.Event,
    heartbeat: Heartbeat | None = None,
) -> None:
    """Reconcile now and then every `seconds` until stopped; a failed run is logged, not fatal
    (the database away: trouble for readiness, the loop goes on beating)."""
    heartbeat = heartbeat or Heartbeat("reconcile", HEARTBEAT_WINDOW_SECONDS)
    while not stop.is_set():
        heartbeat.beat()
        try:
            reconcile_once(sessions)
            heartbeat.recovered()
        except Exception as exc:
            heartbeat.trouble(f"{type(exc).__name__} reconciling")
            log.exception("reconciliation could not run")
        heartbeat.wait(stop, seconds)
