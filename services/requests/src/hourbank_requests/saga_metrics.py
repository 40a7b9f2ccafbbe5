"""The saga's own metrics, read off the history entries a unit of work adds to a request.

Whichever process makes a transition (the API, the consumer, the deadlines worker) observes it,
and only once its transaction has committed: a rolled-back or retried unit of work counts
nothing, and a redelivered event is stopped by the inbox before it changes anything, so each
transition counts once.

A step's duration runs from one event's time to another's, both from the request's history:
from the entry that began the step (the submission, the accepted offer, the confirmed
completion) to the entry of escrow's answer that ended it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter, Histogram

from hourbank_requests.domain.lifecycle import TERMINAL, HistoryEntry
from hourbank_requests.domain.service_request import ServiceRequest
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared import saga_metrics
from hourbank_shared.after_commit import after_commit
from hourbank_shared.contracts.enums import RequestStatus

STEP_SECONDS = Histogram(
    "hourbank_saga_step_duration_seconds",
    "Time between the events that begin and end a saga step: submit (submitted → escrow held, "
    "AWAITING_RESPONSE), accept (offer accepted → escrow adjusted, ACCEPTED), complete "
    "(completion confirmed → escrow released, PAID)",
    ["step"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
OUTCOMES = Counter(
    "hourbank_saga_outcomes_total",
    "Requests that reached a terminal status; accepted: whether they had been ACCEPTED",
    ["status", "accepted"],
)

STEP_ENDED_BY = {
    "ESCROWED": ("submit", RequestStatus.INITIATED),
    "OFFER_ESCROWED": ("accept", RequestStatus.NEGOTIATING),
    "PAID": ("complete", RequestStatus.COMPLETED),
}
"""The history trigger that ends a step → the step, and the status it began in. (A provider's
direct accept of the request is one transaction, no step between services: not observed.)"""
BEFORE_ACCEPTANCE = frozenset(
    {RequestStatus.INITIATED, RequestStatus.AWAITING_RESPONSE, RequestStatus.NEGOTIATING}
)
ESCROW_UNANSWERED = "ESCROW_ANSWER_DEADLINE_PASSED"


@dataclass(frozen=True)
class Observations:
    steps: list[tuple[str, float]]
    outcomes: list[tuple[str, str]]
    failures: list[str]

    def record(self) -> None:
        for step, seconds in self.steps:
            STEP_SECONDS.labels(step).observe(seconds)
        for status, accepted in self.outcomes:
            OUTCOMES.labels(status, accepted).inc()
        for reason in self.failures:
            saga_metrics.FAILURES.labels(reason).inc()


def observe_after_commit(uow: SqlUnitOfWork, request: ServiceRequest) -> None:
    """Call before the request is saved (saving moves its new history entries out)."""
    found = observations(
        request.history, lambda status: uow.requests.entered_at(request.id, status)
    )
    if found.steps or found.outcomes or found.failures:
        after_commit(uow.session, found.record)


def observations(
    entries: list[HistoryEntry], entered_at: Callable[[RequestStatus], datetime | None]
) -> Observations:
    """What the new history entries say about the saga; `entered_at(status)`: when the request
    last entered that status (asked only for an entry that ends a step)."""
    found = Observations([], [], [])
    for entry in entries:
        if entry.trigger in STEP_ENDED_BY:
            step, began_in = STEP_ENDED_BY[entry.trigger]
            began = entered_at(began_in)
            if began is not None:
                found.steps.append((step, max(0.0, (entry.at - began).total_seconds())))
        if entry.to_status in TERMINAL and entry.from_status not in TERMINAL:
            accepted = entry.from_status not in BEFORE_ACCEPTANCE
            found.outcomes.append((str(entry.to_status), "true" if accepted else "false"))
        if entry.trigger == ESCROW_UNANSWERED:
            found.failures.append("escrow_unanswered")
    return found
