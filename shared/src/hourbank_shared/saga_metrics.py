"""The saga metric every consumer shares (the requests service has the rest of them)."""

from prometheus_client import Counter

FAILURES = Counter(
    "hourbank_saga_failures_total",
    "Sagas the system failed, not a member: escrow_unanswered (a submission expired without "
    "escrow's answer), dead_letter (a consumer dead-lettered one of its events)",
    ["reason"],
)
