"""Where this process's spans go: OTLP over HTTP when the standard OpenTelemetry variables
name an endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`),
nowhere otherwise.

Off (the default locally) the provider samples nothing: its spans record nothing, yet have
real ids, so `traceparent` still travels with every event and log lines still name their
trace, for the cost of two random ids per span. On, finished spans are batched and sent from
a background thread; the provider flushes what is left when the process exits.
"""

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
PROCESS_ATTRIBUTE = "hourbank.process"
"""Resource attribute: the process's role (api, consume, relay, worker, deadlines, …)."""


def export_requested() -> bool:
    """An OTLP endpoint is named, and `OTEL_TRACES_EXPORTER` does not say `none`."""
    named = any(os.environ.get(name) for name in ENDPOINT_VARIABLES)
    return named and os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip() != "none"


def exporting_processor() -> SpanProcessor | None:
    """A batching processor to the OTLP/HTTP endpoint the environment names, or None."""
    if not export_requested():
        return None
    # imported here: a process that exports nothing loads no HTTP client for it
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return BatchSpanProcessor(OTLPSpanExporter())


def tracer_provider(service: str, process: str) -> TracerProvider:
    """The provider for one process of a service (`service.name` hourbank-<service>)."""
    resource = Resource.create({"service.name": f"hourbank-{service}", PROCESS_ATTRIBUTE: process})
    processor = exporting_processor()
    if processor is None:
        return TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    # sampler from OTEL_TRACES_SAMPLER, by default: keep the parent's decision, sample roots
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(processor)
    return provider


def configure_tracing(service: str, process: str) -> TracerProvider:
    """Install this process's tracer provider; call once, at start, beside configure_logging.
    (The provider shuts down, flushing its batch, at interpreter exit.)"""
    provider = tracer_provider(service, process)
    trace.set_tracer_provider(provider)
    return provider
