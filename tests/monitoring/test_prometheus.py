"""The real Prometheus beside the stack: it scrapes every process, runs our rules, every
dashboard query returns data once lifecycles of every kind have run, and a clean ledger keeps
the reconciliation alerts silent."""

import time
from collections.abc import Callable

import pytest

from hourbank_stack.client import Gateway
from hourbank_stack.observability.dashboards import every_query
from hourbank_stack.observability.promql import Prometheus
from hourbank_stack.observability.sources import rule_groups
from hourbank_stack.topology import ROLES

from . import traffic

pytestmark = pytest.mark.integration


def eventually(check: Callable[[], list[str]], what: str, timeout: float = 60) -> None:
    """Poll `check` (what is still wrong) until it returns nothing."""
    deadline = time.monotonic() + timeout
    while wrong := check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} after {timeout:.0f}s: {wrong}")
        time.sleep(2)


def test_every_process_is_scraped_and_up(prometheus: Prometheus) -> None:
    def down() -> list[str]:
        health = {t["labels"].get("process"): t["health"] for t in prometheus.targets()}
        states = {r.name: health.get(r.name, "no target") for r in ROLES}
        return [f"{name}: {state}" for name, state in states.items() if state != "up"]

    eventually(down, "targets not up")
    up = prometheus.query('up{job="hourbank"} == 1')
    assert {s.labels["process"] for s in up} == {r.name for r in ROLES}


def test_our_rules_are_loaded_and_evaluate_without_error(prometheus: Prometheus) -> None:
    loaded = {g["name"]: g for g in prometheus.rule_groups()}
    assert set(loaded) == {g["name"] for g in rule_groups()}

    def failing() -> list[str]:
        return [
            f"{rule['name']}: {rule.get('lastError')}"
            for group in prometheus.rule_groups()
            for rule in group["rules"]
            if rule.get("health") != "ok"
        ]

    eventually(failing, "rules not healthy", timeout=20)


@pytest.fixture(scope="module")
def lifecycles(gateway: Gateway) -> None:
    """Paid, declined and disputed lifecycles, a rating and a resolved dispute."""
    traffic.every_kind(gateway)


def test_every_dashboard_query_returns_data(prometheus: Prometheus, lifecycles: None) -> None:
    queries = list(every_query())
    assert len(queries) > 30

    def empty() -> list[str]:
        return [
            f"{q.dashboard} / {q.panel}: {q.expr}" for q in queries if not prometheus.query(q.expr)
        ]

    eventually(empty, "queries without data", timeout=120)


def test_a_clean_ledger_keeps_the_reconciliation_alerts_silent(
    prometheus: Prometheus, lifecycles: None
) -> None:
    def not_reconciled_since_the_traffic() -> list[str]:
        ran = prometheus.query("max(hourbank_reconciliation_timestamp_seconds)")
        return [] if ran and ran[0].points[0][1] > started else ["no reconciliation yet"]

    started = time.time()
    eventually(not_reconciled_since_the_traffic, "escrow's reconcile did not run", timeout=150)
    time.sleep(6)  # a few scrapes and evaluations of the fresh result
    # every escrow process exports the gauge (0); the one that reconciles sets it
    ran = "on (instance) hourbank_reconciliation_timestamp_seconds > 0"
    (ok,) = prometheus.query(f"min(hourbank_reconciliation_ok and {ran})")
    assert ok.points[0][1] == 1, "the ledger is not clean: the test's premise fails"
    (violations,) = prometheus.query("max(hourbank_reconciliation_violations)")
    assert violations.points[0][1] == 0
    ledger_alerts = [
        a
        for a in prometheus.alerts()
        if a["labels"]["alertname"].startswith("HourBankReconciliation")
    ]
    assert ledger_alerts == []
