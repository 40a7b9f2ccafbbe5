"""The HTTP side of a process without an API (consumer, relay, timers, faust worker):
`/metrics`, `/healthz` and `/readyz` on its metrics port, from a daemon thread.

`/healthz` is the process's `Heartbeat`: 200 while its main loop comes round within its window,
else 503 saying how long it has been quiet (Kubernetes restarts it). `/readyz` is 503 too while
the loop has not started or is retrying an outage of the database or the broker; that never
fails liveness, since a restart would only retry the same (see `heartbeat`).
"""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from hourbank_shared.errors import PROBLEM_BASE, PROBLEM_JSON
from hourbank_shared.heartbeat import Heartbeat

log = logging.getLogger(__name__)


class ProcessHttp:
    """The running server; `port` is the one it listens on (useful when asked for port 0)."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.port: int = server.server_address[1]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def serve_process_http(
    port: int,
    heartbeat: Heartbeat,
    registry: CollectorRegistry = REGISTRY,
    host: str = "0.0.0.0",  # noqa: S104 - probes and Prometheus come from outside the pod
) -> ProcessHttp:
    """Serve `/metrics`, `/healthz` and `/readyz` on `port` (0: any free port) until exit."""
    handler = type("Handler", (_Handler,), {"heartbeat": heartbeat, "registry": registry})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="process-http", daemon=True)
    thread.start()
    log.info("%s: metrics and probes on port %d", heartbeat.name, server.server_address[1])
    return ProcessHttp(server, thread)


class _Handler(BaseHTTPRequestHandler):
    heartbeat: Heartbeat
    registry: CollectorRegistry

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._answer(200, CONTENT_TYPE_LATEST, generate_latest(self.registry))
        elif path == "/healthz":
            self._probe(self.heartbeat.liveness_problem(), "ok", "stuck")
        elif path == "/readyz":
            self._probe(self.heartbeat.readiness_problem(), "ready", "not-ready")
        else:
            self._problem(404, "Not Found", f"{path}: only /metrics, /healthz and /readyz here")

    def _probe(self, problem: str | None, status: str, slug: str) -> None:
        if problem is None:
            body = {"status": status, "silent_seconds": round(self.heartbeat.silent_for(), 3)}
            self._answer(200, "application/json", json.dumps(body).encode())
        else:
            self._problem(503, "Service Unavailable", problem, slug)

    def _problem(self, status: int, title: str, detail: str, slug: str = "not-found") -> None:
        body = {
            "type": f"{PROBLEM_BASE}{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": self.path,
            "silent_seconds": round(self.heartbeat.silent_for(), 3),
        }
        self._answer(status, PROBLEM_JSON, json.dumps(body).encode())

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Probes every few seconds would drown the process's own log."""
