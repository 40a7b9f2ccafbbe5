"""Each hop of a saga is a new span of the caller's trace: the HTTP request's SERVER span, the
events it writes, the CONSUMER span handling each of them, the events that one writes."""

import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from hourbank_shared import tracing
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.envelope import Envelope
from hourbank_shared.http_tracing import FASTAPI_TELEMETRY_OFF, TraceRequests, correlation_of
from hourbank_shared.message_tracing import Delivery, consuming, record_outcome
from hourbank_shared.outbox import kafka_headers
from hourbank_shared.testing.spans import recorded_spans

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACE = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return recorded_spans()


def _event() -> MemberRegistered:
    return MemberRegistered.model_validate(
        {
            "member_id": str(uuid.uuid4()),
            "display_name": "Ada",
            "email": None,
            "roles": ["member"],
            "registered_at": "2026-11-22T00:00:00Z",
        }
    )


def _parts(traceparent: str | None) -> tuple[str, str]:
    assert traceparent is not None
    _, trace_id, span_id, _ = traceparent.split("-")
    return trace_id, span_id


def _app(seen: dict[str, Envelope]) -> FastAPI:
    app = FastAPI(telemetry=FASTAPI_TELEMETRY_OFF)
    app.add_middleware(TraceRequests)

    @app.post("/v1/things/{thing_id}")
    def command(thing_id: str) -> dict[str, str]:
        seen["event"] = Envelope.wrap(_event(), source="/test")
        return {}

    @app.get("/v1/broken")
    def broken() -> None:
        raise RuntimeError("boom")

    return app


def test_a_request_is_a_server_span_child_of_the_callers(spans: InMemorySpanExporter) -> None:
    seen: dict[str, Envelope] = {}
    request_id = uuid.uuid4()
    response = TestClient(_app(seen)).post(
        "/v1/things/42", headers={"traceparent": TRACE, "X-Request-ID": request_id.hex}
    )
    (server,) = spans.get_finished_spans()
    assert server.kind is SpanKind.SERVER
    assert server.name == "POST /v1/things/{thing_id}"
    assert server.parent is not None and server.parent.span_id == int(CALLER_SPAN, 16)
    assert server.context is not None and server.context.trace_id == int(TRACE_ID, 16)
    assert server.attributes is not None
    assert server.attributes["http.request.method"] == "POST"
    assert server.attributes["http.route"] == "/v1/things/{thing_id}"
    assert server.attributes["url.path"] == "/v1/things/42"
    assert server.attributes["http.response.status_code"] == 200
    # the answer names the server span; the event it wrote too, with the gateway's request id
    assert _parts(response.headers["traceparent"]) == (TRACE_ID, f"{server.context.span_id:016x}")
    envelope = seen["event"]
    assert envelope.traceparent == response.headers["traceparent"]
    assert envelope.correlationid == request_id
    assert kafka_headers(envelope)["traceparent"] == envelope.traceparent


def test_without_a_valid_traceparent_a_request_starts_a_trace(spans: InMemorySpanExporter) -> None:
    client = TestClient(_app({}))
    for incoming in (None, "garbage", f"00-{'0' * 32}-{CALLER_SPAN}-01"):
        headers = {"traceparent": incoming} if incoming else {}
        response = client.post("/v1/things/1", headers=headers)
        trace_id, _ = _parts(response.headers["traceparent"])
        assert trace_id not in (TRACE_ID, "0" * 32)
    assert [span.parent for span in spans.get_finished_spans()] == [None, None, None]


def test_a_server_failure_marks_the_span_an_error(spans: InMemorySpanExporter) -> None:
    response = TestClient(_app({}), raise_server_exceptions=False).get("/v1/broken")
    assert response.status_code == 500
    (server,) = spans.get_finished_spans()
    assert server.name == "GET /v1/broken"
    assert server.status.status_code is StatusCode.ERROR
    assert [event.name for event in server.events] == ["exception"]


def test_probes_make_no_span(spans: InMemorySpanExporter) -> None:
    app = _app({})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {}

    assert TestClient(app).get("/healthz").status_code == 200
    assert spans.get_finished_spans() == ()


def test_the_gateway_request_id_becomes_the_correlation_id() -> None:
    assert correlation_of("4bf92f3577b34da6a3ce929d0e0e4736") == uuid.UUID(
        "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    )
    assert isinstance(correlation_of("not-an-id"), uuid.UUID)


def test_each_hop_is_a_new_span_of_the_same_trace(spans: InMemorySpanExporter) -> None:
    with tracing.tracer().start_as_current_span("POST /v1/requests"):
        first = Envelope.wrap(_event(), source="/requests")
    delivery = Delivery("hourbank.members", 2, 17, "escrow")
    with consuming(first.type, str(first.id), first.traceparent, delivery) as span:
        second = Envelope.wrap(_event(), source="/escrow", caused_by=first)
        record_outcome(span, "handled")
    with consuming(second.type, str(second.id), second.traceparent, delivery):
        pass
    request, consumer, next_consumer = spans.get_finished_spans()
    trace_id, first_span = _parts(first.traceparent)
    assert first_span == f"{request.context.span_id:016x}"  # type: ignore[union-attr]
    # the consumer span is the producer's child, and the parent of what it writes
    assert consumer.kind is SpanKind.CONSUMER
    assert consumer.parent is not None and consumer.parent.span_id == request.context.span_id  # type: ignore[union-attr]
    assert _parts(second.traceparent) == (trace_id, f"{consumer.context.span_id:016x}")  # type: ignore[union-attr]
    assert next_consumer.parent is not None
    assert next_consumer.parent.span_id == consumer.context.span_id  # type: ignore[union-attr]
    assert len({first.traceparent, second.traceparent}) == 2
    # correlation follows causation, as before
    assert second.correlationid == first.correlationid == first.id
    assert second.causationid == first.id
    assert consumer.name == first.type
    assert dict(consumer.attributes or {}) == {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": "hourbank.members",
        "messaging.destination.partition.id": "2",
        "messaging.kafka.offset": 17,
        "messaging.consumer.group.name": "escrow",
        "messaging.message.id": str(first.id),
        "cloudevents.event_type": first.type,
        "hourbank.consumer.outcome": "handled",
    }


def test_a_caused_event_outside_any_span_keeps_its_causes_trace() -> None:
    cause = Envelope.wrap(_event(), source="/a", traceparent=TRACE)
    assert Envelope.wrap(_event(), source="/b", caused_by=cause).traceparent == TRACE


def test_outside_any_span_an_event_has_no_trace_and_its_own_correlation() -> None:
    assert trace.get_current_span().get_span_context().is_valid is False
    envelope = Envelope.wrap(_event(), source="/test")
    assert envelope.correlationid == envelope.id
    assert envelope.traceparent is None
    assert "traceparent" not in kafka_headers(envelope)
