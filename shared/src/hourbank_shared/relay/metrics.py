"""Relay metrics (Prometheus): what it published, and, on scrape, what waits in its outbox."""

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import Engine, MetaData, func, select

from hourbank_shared.outbox import outbox_table
from hourbank_shared.scraped import ReadOnScrape

PUBLISHED = Counter("hourbank_relay_published_total", "Outbox events published", ["relay"])
BATCH_SECONDS = Histogram(
    "hourbank_relay_batch_seconds", "Time to publish and mark one batch", ["relay"]
)
RESTARTS = Counter("hourbank_relay_restarts_total", "Relay loop restarts after an error", ["relay"])
ACTIVE = Gauge(
    "hourbank_relay_active",
    "1 while this instance holds the relay lock (it publishes), 0 while it stands by",
    ["relay"],
)


def outbox_backlog(relay: str, engine: Engine) -> ReadOnScrape:
    """`hourbank_outbox_pending` and `hourbank_outbox_oldest_pending_age_seconds`, from one
    query on the outbox's partial index of unpublished rows (`outbox_pending`): the count, and
    the creation time of the lowest pending id (ids are handed out in creation order)."""
    outbox = outbox_table(MetaData())
    pending = outbox.c.published_at.is_(None)
    oldest = select(outbox.c.created_at).where(pending).order_by(outbox.c.id).limit(1)
    query = select(func.count(), oldest.scalar_subquery(), func.now()).where(pending)

    def read() -> Iterable[Metric]:
        with engine.connect() as connection:
            count, oldest_at, now = connection.execute(query).one()
        backlog = GaugeMetricFamily(
            "hourbank_outbox_pending", "Outbox rows not yet published", labels=["relay"]
        )
        backlog.add_metric([relay], count)
        age = GaugeMetricFamily(
            "hourbank_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row not yet published (0 when none)",
            labels=["relay"],
        )
        age.add_metric([relay], _seconds_between(oldest_at, now))
        return [backlog, age]

    return ReadOnScrape("outbox", read)


def _seconds_between(then: datetime | None, now: datetime) -> float:
    return 0.0 if then is None else max(0.0, (now - then).total_seconds())
