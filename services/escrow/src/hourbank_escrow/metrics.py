"""Escrow metrics (Prometheus)."""

from prometheus_client import Gauge

RECONCILIATION_OK = Gauge(
    "hourbank_reconciliation_ok", "1 if the last reconciliation found no violation, else 0"
)
RECONCILIATION_VIOLATIONS = Gauge(
    "hourbank_reconciliation_violations", "Violations found by the last reconciliation"
)
RECONCILIATION_SECONDS = Gauge(
    "hourbank_reconciliation_seconds", "How long the last reconciliation took"
)
RECONCILIATION_AT = Gauge(
    "hourbank_reconciliation_timestamp_seconds", "When the last reconciliation finished"
)
