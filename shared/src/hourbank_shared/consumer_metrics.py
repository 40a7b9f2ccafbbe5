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
