"""Escrow metrics (Prometheus): payments, the last reconciliation, and the hours held now."""

from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import select

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.domain.accounts import SystemAccount
from hourbank_shared.scraped import ReadOnScrape, scrape_engine

PAYMENTS = Counter(
    "hourbank_escrow_payments_total",
    "Releases of a completed request's hold: released (the provider paid), failed (refused: "
    "no hold, or frozen by a dispute; the request stays COMPLETED until someone acts)",
    ["outcome"],
)
# Not registered at import: every escrow process imports this module, and a gauge at 0 from
# the API or the consumer would read as "reconciliation not clean". The reconcile process
# registers them (`export_reconciliation`); an admin's on-demand run elsewhere sets them unseen.
RECONCILIATION_OK = Gauge(
    "hourbank_reconciliation_ok",
    "1 if the last reconciliation found no violation, else 0",
    registry=None,
)
RECONCILIATION_VIOLATIONS = Gauge(
    "hourbank_reconciliation_violations",
    "Violations found by the last reconciliation",
    registry=None,
)
RECONCILIATION_SECONDS = Gauge(
    "hourbank_reconciliation_seconds", "How long the last reconciliation took", registry=None
)
RECONCILIATION_AT = Gauge(
    "hourbank_reconciliation_timestamp_seconds",
    "When the last reconciliation finished",
    registry=None,
)
_RECONCILIATION = (
    RECONCILIATION_OK,
    RECONCILIATION_VIOLATIONS,
    RECONCILIATION_SECONDS,
    RECONCILIATION_AT,
)


def export_reconciliation(registry: CollectorRegistry = REGISTRY) -> None:
    """Serve the reconciliation gauges from this process (the reconcile process; once)."""
    for gauge in _RECONCILIATION:
        registry.register(gauge)


def held_hours(database_url: str) -> ReadOnScrape:
    """`hourbank_escrow_held_hours`: the balance of the `escrow` system account, which the
    ledger keeps equal to the sum of the open holds (a reconciliation check): one row by its
    key, however many holds there are."""
    engine = scrape_engine(database_url)
    query = select(t.accounts.c.total).where(t.accounts.c.ref == str(SystemAccount.ESCROW))

    def read() -> Iterable[Metric]:
        with engine.connect() as connection:
            total = connection.execute(query).scalar()
        family = GaugeMetricFamily("hourbank_escrow_held_hours", "Hours held in open escrows")
        family.add_metric([], float(total or 0))
        return [family]

    return ReadOnScrape("escrow_held", read)
