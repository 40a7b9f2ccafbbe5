"""Export is off unless the standard OpenTelemetry variables name an endpoint; off, spans
record nothing yet still carry real ids, so trace context travels all the same."""

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from hourbank_shared.tracing_setup import (
    ENDPOINT_VARIABLES,
    PROCESS_ATTRIBUTE,
    exporting_processor,
    tracer_provider,
)


@pytest.fixture
def no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ENDPOINT_VARIABLES, "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_endpoint")
def test_off_by_default_spans_have_ids_but_record_nothing() -> None:
    assert exporting_processor() is None
    provider = tracer_provider("escrow", "consume")
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("outer") as outer, tracer.start_as_current_span("inner"):
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier)
        inner = trace.get_current_span()
    assert not outer.is_recording() and not inner.is_recording()
    outer_ids, inner_ids = outer.get_span_context(), inner.get_span_context()
    assert outer_ids.is_valid and inner_ids.is_valid
    assert inner_ids.trace_id == outer_ids.trace_id and inner_ids.span_id != outer_ids.span_id
    assert carrier["traceparent"].split("-")[2] == f"{inner_ids.span_id:016x}"


@pytest.mark.usefixtures("no_endpoint")
@pytest.mark.parametrize("variable", ENDPOINT_VARIABLES)
def test_an_endpoint_turns_batched_export_on(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:4318")
    processor = exporting_processor()
    assert isinstance(processor, BatchSpanProcessor)
    processor.shutdown()
    provider = tracer_provider("requests", "api")
    try:
        assert provider.resource.attributes["service.name"] == "hourbank-requests"
        assert provider.resource.attributes[PROCESS_ATTRIBUTE] == "api"
        # not ended, so not sent: nothing listens there
        assert provider.get_tracer("test").start_span("work").is_recording()
    finally:
        provider.shutdown()


@pytest.mark.usefixtures("no_endpoint")
def test_the_standard_switch_keeps_export_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert exporting_processor() is None
