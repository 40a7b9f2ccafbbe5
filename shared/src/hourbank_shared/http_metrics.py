"""Rate, errors and duration of every API's requests, by route template (Prometheus).

The route is the matched route's path template (`/v1/requests/{request_id}`), never the raw
path, so ids do not multiply the series; a request no route matches is `unmatched`. The probes
and `/metrics` are left out: they would drown the traffic they are asked about.

The duration runs from the request's arrival to the start of its response (status and headers
sent). For a JSON answer that is the whole of the work; for a server-sent event stream it is
the time to open the stream, so a stream that stays open for an hour counts as one quick
request instead of an hour-long outlier in the histogram.
"""

import re
import time

from prometheus_client import Counter, Histogram
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "hourbank_http_requests_total",
    "HTTP requests answered, by route template, method and status code",
    ["service", "route", "method", "code"],
)
DURATION = Histogram(
    "hourbank_http_request_duration_seconds",
    "Time from a request's arrival to the start of its response",
    ["service", "route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

NOT_MEASURED = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Any other method is counted as `other`: a client must not be able to invent label values."""


class MeasureRequests:
    """ASGI middleware counting and timing each request (plain ASGI, like `TraceRequests`)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self._templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NOT_MEASURED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False

        async def send_measured(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                self._observe(scope, message["status"], time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_measured)
        finally:
            if not answered:  # an exception, or no response at all: the server answers 500
                self._observe(scope, 500, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope, self._templates)
        method = scope["method"] if scope["method"] in METHODS else "other"
        REQUESTS.labels(self.service, route, method, str(status)).inc()
        DURATION.labels(self.service, route, method).observe(seconds)


def route_template(scope: Scope, known: "RouteTemplates | None" = None) -> str:
    """The path template of the route that took the request, else of the route that would
    have (a request refused before routing: too large, over the admission limit), else
    `unmatched`."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if template:
        return str(template)
    if known is not None:
        return known.template_of(scope.get("app"), scope["path"])
    return UNMATCHED


class RouteTemplates:
    """The app's path templates, compiled once, for requests that never reached the router."""

    def __init__(self) -> None:
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def template_of(self, app: object, path: str) -> str:
        if self._compiled is None:
            self._compiled = [(compile_path(t)[0], t) for t in _templates(app)]
        return next((t for regex, t in self._compiled if regex.match(path)), UNMATCHED)


def _templates(app: object) -> list[str]:
    """Every route's template in routing order; routers FastAPI includes lazily list theirs
    through `effective_route_contexts`."""
    found: list[str] = []
    for route in getattr(getattr(app, "router", None), "routes", []):
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            found += [str(context.path_format) for context in contexts()]
        elif isinstance(template := getattr(route, "path_format", None), str):
            found.append(template)
    return found
