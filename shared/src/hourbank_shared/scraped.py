"""Gauges measured when Prometheus asks (outbox backlog, consumer lag, open disputes, …).

Each is read on scrape from where the truth is (the database, the broker), at a bounded cost:
the result is kept for a few seconds, so any number of scrapers cost one read per interval;
every read has a short timeout; and a read that fails yields no sample of its own and counts
in `hourbank_metrics_scrape_errors_total{source}`, so the scrape itself never fails and the
process's other metrics still arrive.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import Counter
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, create_engine, make_url

from hourbank_shared.settings import sqlalchemy_url

log = logging.getLogger(__name__)

SCRAPE_ERRORS = Counter(
    "hourbank_metrics_scrape_errors_total",
    "Reads on scrape (database, broker) that failed or timed out; their gauges were left out",
    ["source"],
)
CACHE_SECONDS = 5.0
TIMEOUT_SECONDS = 2.0

Read = Callable[[], Iterable[Metric]]


class ReadOnScrape(Collector):
    """A custom collector that runs `read` at most once per `cache_seconds`."""

    def __init__(
        self,
        source: str,
        read: Read,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self._read = read
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._families: list[Metric] = []
        SCRAPE_ERRORS.labels(source)  # the series exists (at 0) before the first failure

    def describe(self) -> Iterable[Metric]:
        """Nothing: registering must not read the database or the broker."""
        return []

    def collect(self) -> Iterator[Metric]:
        with self._lock:  # concurrent scrapes share one read
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._cache_seconds:
                self._families = self._read_or_nothing()
                self._read_at = self._clock()
            return iter(list(self._families))

    def _read_or_nothing(self) -> list[Metric]:
        try:
            return list(self._read())
        except Exception as exc:
            SCRAPE_ERRORS.labels(self.source).inc()
            log.warning("metrics: reading %s failed: %s", self.source, exc, exc_info=True)
            return []


def scrape_engine(database_url: str, timeout: float = TIMEOUT_SECONDS) -> Engine:
    """An engine of one connection for reads on scrape, failing within `timeout` seconds
    (connecting, or any statement) instead of hanging a scrape behind a slow database."""
    url = make_url(sqlalchemy_url(database_url))
    options = f"{url.query.get('options', '')} -c statement_timeout={int(timeout * 1000)}"
    connect_args: dict[str, Any] = {
        "connect_timeout": max(1, round(timeout)),
        "options": options.strip(),
    }
    return create_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=timeout,
        pool_pre_ping=True,
        connect_args=connect_args,
    )
