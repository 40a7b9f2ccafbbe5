"""`hourbank_rating_average` and `hourbank_ratings`, read from the database on scrape (served by
the deadlines worker, whose replicas are few). One aggregate over the ratings table: its cost
grows with the number of ratings (an index-only scan), bounded by the scrape's 2 s timeout and
paid at most once per cache interval."""

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select

from hourbank_requests.adapters import tables as t
from hourbank_shared.scraped import ReadOnScrape, scrape_engine


def rating_gauges(database_url: str) -> ReadOnScrape:
    engine = scrape_engine(database_url)
    query = select(func.count(), func.avg(t.ratings.c.score))

    def read() -> Iterable[Metric]:
        with engine.connect() as connection:
            count, average = connection.execute(query).one()
        ratings = GaugeMetricFamily("hourbank_ratings", "Ratings given, all time")
        ratings.add_metric([], count)
        mean = GaugeMetricFamily(
            "hourbank_rating_average", "Mean score of all ratings (1–5); absent while none"
        )
        if average is not None:
            mean.add_metric([], float(average))
        return [ratings, mean]

    return ReadOnScrape("ratings", read)
