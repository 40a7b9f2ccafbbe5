"""Consumer metrics (Prometheus)."""

from prometheus_client import Counter, Histogram

PROCESSED = Counter(
    "hourbank_consumer_messages_total", "Messages consumed", ["consumer", "type", "outcome"]
)
DEAD_LETTERS = Counter(
    "hourbank_consumer_dead_letters_total", "Messages sent to the DLQ", ["consumer", "reason"]
)
HANDLE_SECONDS = Histogram(
    "hourbank_consumer_handle_seconds",
    "Time to handle one event (one unit of work)",
    ["consumer", "type"],
)
BATCHES = Counter(
    "hourbank_consumer_batches_total",
    "Batches of events handled in one transaction, by outcome (rolled_back: handled again one "
    "by one)",
    ["consumer", "outcome"],
)
BATCH_EVENTS = Histogram(
    "hourbank_consumer_batch_events",
    "Events handled in one committed batch transaction",
    ["consumer"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200),
)
