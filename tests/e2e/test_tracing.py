"""One paid lifecycle through the gateway is one trace in a real Jaeger: a tree rooted at the
first HTTP request, crossing the four services, each consumer span the child of the span that
wrote its event.

Needs a stack that exports its spans: `uv run hourbank up --observe` (or
`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318` in the environment of `hourbank up`). If
that stack exports to the local Jaeger and none is running, the test starts one.
"""

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from hourbank_shared.contracts import topics as contract
from hourbank_shared.testing import jaeger
from hourbank_shared.testing.jaeger import TraceSpan
from hourbank_shared.topic_reader import read_all
from hourbank_stack.client import Caller
from hourbank_stack.supervisor import running_stack

from .parties import Pair
from .topics import TopicWatch

pytestmark = pytest.mark.integration

SERVICES = {"hourbank-requests", "hourbank-escrow", "hourbank-disputes", "hourbank-notifications"}
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
STATE = Path(os.environ.get("HOURBANK_STATE_DIR", "/var/tmp/hourbank"))
OBSERVE = (
    "start the stack with `uv run hourbank stop && uv run hourbank up --observe` (or with "
    f"OTEL_EXPORTER_OTLP_ENDPOINT={jaeger.OTLP_HTTP_ENDPOINT} in the environment)"
)


def _environment(pid: int) -> dict[str, str] | None:
    """A process's environment; None if it is gone (held, or being restarted)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except FileNotFoundError:
        return None
    pairs = (entry.partition(b"=") for entry in raw.split(b"\0") if entry)
    return {name.decode(): value.decode(errors="replace") for name, _, value in pairs}


def _export_endpoints() -> dict[str, str | None]:
    """Each service process of the running stack → the OTLP endpoint it exports to."""
    state = running_stack()
    assert state is not None, "no stack is running"
    processes: dict[str, Any] = state["processes"]  # type: ignore[assignment]
    endpoints: dict[str, str | None] = {}
    for name, process in processes.items():
        if name.split("-")[0] not in {service.removeprefix("hourbank-") for service in SERVICES}:
            continue
        env = _environment(process["pid"]) if isinstance(process["pid"], int) else None
        if env is not None:
            endpoints[name] = next((env[v] for v in ENDPOINT_VARIABLES if env.get(v)), None)
    return endpoints


@pytest.fixture(scope="module")
def traces(stack: str) -> str:
    """Jaeger's query URL, once sure the stack's spans go there."""
    endpoints = _export_endpoints()
    silent = sorted(name for name, endpoint in endpoints.items() if endpoint is None)
    if len(silent) == len(endpoints):
        pytest.fail(f"the running stack exports no spans: {OBSERVE}")
    if silent:
        pytest.fail(f"the stack's {', '.join(silent)} export no spans: {OBSERVE}")
    if not jaeger.ready():
        local = jaeger.OTLP_HTTP_ENDPOINT
        elsewhere = sorted({e for e in endpoints.values() if e and e.rstrip("/") != local})
        if elsewhere:
            pytest.fail(f"the stack exports to {elsewhere}, not to the local Jaeger: {OBSERVE}")
        jaeger.ensure_running(STATE / "jaeger.log")
    return jaeger.QUERY_URL


def _post(caller: Caller, path: str, body: Any, traceparent: str | None) -> tuple[Any, str]:
    """POST as the caller, continuing the trace `traceparent` names (None: starting one);
    returns the answer and the `traceparent` of the request's own span."""
    headers = {**caller.headers, "Idempotency-Key": str(uuid.uuid4())}
    if traceparent is not None:
        headers["traceparent"] = traceparent
    response = caller.gateway.http.post(path, json=body, headers=headers)
    assert response.status_code < 300, f"POST {path} → {response.status_code}: {response.text}"
    return response.json(), response.headers["traceparent"]


def _ids(traceparent: str) -> tuple[str, str]:
    _, trace_id, span_id, _ = traceparent.split("-")
    return trace_id, span_id


def _paid_lifecycle(pair: Pair) -> tuple[str, str, list[str]]:
    """Submit, accept, start, confirm, complete, confirm: the request id, the first request's
    traceparent, and the traceparents of the requests that continued its trace."""
    requester, provider = pair.requester, pair.provider
    body = {"offering_id": pair.offering["id"], "hours": "2.00", "message": "traced"}
    submitted, first = _post(requester, "/v1/requests", body, None)
    request_id = submitted["id"]
    requester.wait_status(request_id, "AWAITING_RESPONSE")
    later = []
    for who, action, payload in (
        (provider, "accept", None),
        (provider, "start", None),
        (requester, "confirm-start", None),
        (provider, "complete", {"actual_hours": "2.00"}),
        (requester, "confirm-completion", None),
    ):
        later.append(_post(who, f"/v1/requests/{request_id}/{action}", payload, first)[1])
    requester.wait_status(request_id, "PAID")
    return request_id, first, later


def _events_of_trace(topics: TopicWatch, trace_id: str) -> dict[str, dict[str, Any]]:
    """Every event published since the test started that belongs to the trace, by id."""
    found = {}
    for topic in contract.ALL:
        records = read_all(topics.bootstrap, topic, 0, timeout=30, since=topics.since[topic])
        for _, value, _ in records:
            event = json.loads(value)
            if _ids(event.get("traceparent") or "00-x-x-00")[0] == trace_id:
                found[event["id"]] = event
    return found


def _complete(spans: list[TraceSpan], events: list[dict[str, Any]]) -> bool:
    """Every parent arrived, and the notifications worker's span of each event is there."""
    ids = {span.span_id for span in spans}
    notified = {
        span.attributes.get("messaging.message.id")
        for span in spans
        if span.service == "hourbank-notifications" and span.kind == "consumer"
    }
    closed = all(span.parent_id in ids for span in spans if span.parent_id is not None)
    services = {span.service for span in spans}
    return closed and services >= SERVICES and {e["id"] for e in events} <= notified


def _wait_for_trace(
    query_url: str, trace_id: str, events: list[dict[str, Any]], timeout: float = 90
) -> list[TraceSpan]:
    deadline = time.monotonic() + timeout
    while True:
        spans = jaeger.trace_spans(trace_id, query_url)
        if _complete(spans, events) or time.monotonic() > deadline:
            return spans
        time.sleep(1)


def test_a_paid_lifecycle_is_one_trace_across_the_four_services(
    traces: str, pair: Pair, topics: TopicWatch
) -> None:
    request_id, first, later = _paid_lifecycle(pair)
    trace_id, root_id = _ids(first)
    saga = topics.requests(
        request_id, "submitted", "awaiting_response", "accepted", "start_reported", "started",
        "completion_reported", "completed", "paid",
    ) + topics.escrow(request_id, "held", "released")  # fmt: skip
    spans = _wait_for_trace(traces, trace_id, saga)
    by_id = {span.span_id: span for span in spans}
    tree = jaeger.tree(spans)

    # one tree, rooted at the first HTTP request's SERVER span
    roots = [span for span in spans if span.parent_id is None]
    assert [span.span_id for span in roots] == [root_id], tree
    root = by_id[root_id]
    assert (root.service, root.kind, root.name) == (
        "hourbank-requests",
        "server",
        "POST /v1/requests",
    )
    assert all(span.parent_id in by_id for span in spans if span.parent_id), tree
    # the later commands continued the trace: children of the first request
    for traceparent in later:
        command = by_id[_ids(traceparent)[1]]
        assert (command.service, command.kind, command.parent_id) == (
            "hourbank-requests",
            "server",
            root_id,
        ), tree
        assert command.name.startswith("POST /v1/requests/{request_id}/"), command.name

    # each event names the span that wrote it, a span of its source service; each consumer
    # span is that span's child
    events = _events_of_trace(topics, trace_id)
    assert {e["id"] for e in saga} <= events.keys()
    for event in events.values():
        producer = by_id.get(_ids(event["traceparent"])[1])
        assert producer is not None, f"{event['type']} {event['id']}: no producer span\n{tree}"
        assert producer.service == "hourbank-" + event["source"].rsplit("/", 1)[-1], event
        cause = events.get(event.get("causationid") or "")
        if cause is not None:  # a new span per hop
            assert _ids(cause["traceparent"])[1] != producer.span_id
            assert producer.parent_id == _ids(cause["traceparent"])[1], tree
    consumers = [span for span in spans if span.kind == "consumer"]
    for span in consumers:
        event = events[span.attributes["messaging.message.id"]]
        assert span.name == event["type"]
        assert span.parent_id == _ids(event["traceparent"])[1], f"{span}\n{tree}"
        assert span.attributes["hourbank.consumer.outcome"] == "handled"

    # the four services handled this saga's events, each in its consumer process
    consuming = {(span.service, span.process.get("hourbank.process")) for span in consumers}
    assert {
        ("hourbank-escrow", "consume"),
        ("hourbank-requests", "consume"),
        ("hourbank-disputes", "consume"),
        ("hourbank-notifications", "worker"),
    } <= consuming, tree
