"""Finished spans kept in memory, for tests that look at the spans a piece of code made."""

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

_exporter: InMemorySpanExporter | None = None


def recorded_spans() -> InMemorySpanExporter:
    """The spans finished in this process from now on (emptied for each caller). The first
    call installs a recording provider; OpenTelemetry lets a process set its provider once,
    so a provider set earlier is used, if it records."""
    global _exporter
    if _exporter is None:
        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            provider = TracerProvider()
            trace.set_tracer_provider(provider)
        if provider.sampler is ALWAYS_OFF:
            raise RuntimeError("this process's tracer provider records nothing (export off)")
        _exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
    _exporter.clear()
    return _exporter
