"""Reconciliation notices a ledger that was tampered with, and says so in its metrics."""

import uuid

from prometheus_client import REGISTRY, CollectorRegistry
from sqlalchemy import update

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.handlers import when_member_registered
from hourbank_escrow.metrics import export_reconciliation
from hourbank_escrow.reconciler import reconcile_once
from hourbank_shared.envelope import Envelope

from .saga_feed import escrow_for, migrate
from .story import registered

RECONCILE_PROCESS = CollectorRegistry()
export_reconciliation(RECONCILE_PROCESS)


def gauge(name: str) -> float | None:
    return RECONCILE_PROCESS.get_sample_value(name)


def test_only_the_reconcile_process_serves_the_result() -> None:
    """Any other escrow process would serve 0 ("not clean") for a run it never made."""
    assert REGISTRY.get_sample_value("hourbank_reconciliation_ok") is None


def test_a_balance_changed_behind_the_ledgers_back_is_reported(database_url: str) -> None:
    migrate(database_url)
    escrow = escrow_for(database_url)
    member = registered(uuid.uuid4())
    when_member_registered(escrow.context, Envelope.wrap(member, source="/t"), member)
    assert reconcile_once(escrow.sessions).ok
    assert gauge("hourbank_reconciliation_ok") == 1

    with escrow.sessions.begin() as session:
        session.execute(
            update(t.accounts)
            .where(t.accounts.c.member_id == member.member_id)
            .values(total=t.accounts.c.total + 1)
        )
    report = reconcile_once(escrow.sessions)
    escrow.engine.dispose()

    assert not report.ok
    checks = {str(v.check) for v in report.violations}
    assert {"LEDGER_SUM", "TOTAL_ENTRIES"} <= checks, checks
    assert all(str(member.member_id) in v.subject or v.check != "TOTAL_ENTRIES"
               for v in report.violations)  # fmt: skip
    assert gauge("hourbank_reconciliation_ok") == 0
    assert gauge("hourbank_reconciliation_violations") == len(report.violations)
