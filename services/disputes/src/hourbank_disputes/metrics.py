"""Disputes metrics (Prometheus): how long they take to decide, and how many are open now."""

from collections.abc import Iterable

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.domain.dispute import Dispute
from hourbank_disputes.domain.status import OPEN
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.after_commit import after_commit
from hourbank_shared.scraped import ReadOnScrape, scrape_engine

HOUR, DAY = 3600.0, 86400.0
RESOLUTION_SECONDS = Histogram(
    "hourbank_dispute_resolution_seconds",
    "From a dispute's opening to an admin's decision; outcome resolved or dismissed",
    ["outcome"],
    buckets=(60.0, 300.0, 900.0, HOUR, 4 * HOUR, 12 * HOUR, DAY, 2 * DAY, 3 * DAY, 7 * DAY),
)


def observe_decision_after_commit(uow: SqlUnitOfWork, dispute: Dispute, outcome: str) -> None:
    """Observe the decided dispute's time to decision once the decision is committed."""
    if dispute.closed_at is None:
        return
    seconds = max(0.0, (dispute.closed_at - dispute.created_at).total_seconds())
    after_commit(uow.session, lambda: RESOLUTION_SECONDS.labels(outcome).observe(seconds))


def open_disputes(database_url: str) -> ReadOnScrape:
    """`hourbank_disputes_open`: OPEN and UNDER_REVIEW disputes, counted on the partial index
    of open disputes (`disputes_one_open`): as cheap as the open disputes are few."""
    engine = scrape_engine(database_url)
    query = select(func.count()).where(t.disputes.c.status.in_([str(s) for s in OPEN]))

    def read() -> Iterable[Metric]:
        with engine.connect() as connection:
            count = connection.execute(query).scalar()
        family = GaugeMetricFamily("hourbank_disputes_open", "Disputes open or under review")
        family.add_metric([], count or 0)
        return [family]

    return ReadOnScrape("disputes_open", read)
