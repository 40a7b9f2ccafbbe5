"""Relay metrics (Prometheus)."""

from prometheus_client import Counter, Gauge, Histogram

PUBLISHED = Counter("hourbank_relay_published_total", "Outbox events published", ["relay"])
PENDING = Gauge("hourbank_outbox_pending", "Outbox rows seen pending in the last poll", ["relay"])
BATCH_SECONDS = Histogram(
    "hourbank_relay_batch_seconds", "Time to publish and mark one batch", ["relay"]
)
RESTARTS = Counter("hourbank_relay_restarts_total", "Relay loop restarts after an error", ["relay"])
