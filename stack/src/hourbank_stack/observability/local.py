"""`hourbank up --observe`: Prometheus and Jaeger as two more children of the supervisor.

Jaeger is the one of hourbank_shared.testing.jaeger (built by infra/install-jaeger, configured
by infra/jaeger/config.yaml); the services export their traces to it over OTLP/HTTP.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from hourbank_shared.testing import jaeger
from hourbank_stack.observability import prometheus
from hourbank_stack.supervisor import Child, state_dir

JAEGER_PORTS = (16686, 16685, 4317, 4318, 13133)
"""infra/jaeger/config.yaml: query HTTP and gRPC, OTLP gRPC and HTTP, health."""


@dataclass
class Observers:
    children: list[Child] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    """What the banner and `hourbank status` print: name → URL."""
    env: dict[str, str] = field(default_factory=dict)
    """What the services need to send their traces."""
    ports: dict[int, str] = field(default_factory=dict)
    """Ports they will listen on, for the preflight check."""


def observers(warn: Callable[[str], None]) -> Observers:
    """Prometheus always (raise if it is missing); Jaeger when infra/install-jaeger can build
    it, else a warning and no traces."""
    logs = state_dir() / "logs"
    found = Observers()
    argv = prometheus.command(state_dir() / "prometheus")
    found.children.append(
        Child("prometheus", "prometheus", argv, prometheus.PORT, logs / "prometheus.log")
    )
    found.links["Prometheus"] = prometheus.URL
    found.ports[prometheus.PORT] = "prometheus"
    try:
        binary = jaeger.install()
    except jaeger.JaegerError as failed:
        warn(f"Jaeger not available, no traces this run: {failed}")
        return found
    argv = [str(binary), "--config", str(jaeger.CONFIG)]
    found.children.append(Child("jaeger", "jaeger", argv, 16686, logs / "jaeger.log"))
    found.links["Jaeger"] = jaeger.QUERY_URL
    found.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = jaeger.OTLP_HTTP_ENDPOINT
    found.ports.update(dict.fromkeys(JAEGER_PORTS, "jaeger"))
    return found
