"""The routes every service serves for its operators: liveness, readiness and metrics.

Neither probe waits behind the API's work: both bypass the admission limit, run on the event
loop (no worker thread), and readiness pings the database over a connection of its own, in a
thread of its own, never the pool's (see `Readiness`).
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hourbank_shared.errors import problem_response

log = logging.getLogger(__name__)

FRESH_SECONDS = 1.0
"""A result younger than this is answered as it is; an older one starts a new ping."""
ANSWER_WITHIN_SECONDS = 0.05
"""How long a probe waits for the ping it started before answering from the last result."""
FIRST_ANSWER_WITHIN_SECONDS = 2.0
"""How long the very first probe waits: with no result yet there is nothing else to say
(within the 3 s timeout of the Kubernetes probe, deploy/k8s)."""
GRACE_SECONDS = 10.0
"""A ping unanswered for this long makes the service not ready."""


class Readiness:
    """Whether the service reaches its database, answered at once, whatever the load.

    Why not the pool: a pod whose pool is exhausted and whose admission limit is full is busy,
    not broken. If readiness queued behind that work, its probe would time out under load,
    Kubernetes would pull the pod from the Service, its traffic would pile onto the other pods
    (which then fail the same way), and the pod would come back once idle: readiness flapping
    that turns a peak into an outage. What an operator wants from readiness is "can this pod
    reach what it depends on", so the ping runs over one connection kept apart from the pool
    (so it also survives the pool being full), in a thread of its own (not the API's workers).

    A probe answers from the last result if it is fresh; otherwise it starts a ping and waits
    for it at most `ANSWER_WITHIN_SECONDS`, then answers from the last result: a slow but
    reachable database keeps the pod ready (no flapping), while a failed ping, or one that has
    not answered for `GRACE_SECONDS`, makes it not ready.
    """

    def __init__(self, ping: Callable[[], None]) -> None:
        self._ping = ping
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._failure: str | None = None
        self._pinging_since: float | None = None

    async def problem(self) -> str | None:
        """None when ready, else why not; never waits longer than a ping's first answer."""
        with self._lock:
            stale = self._checked_at is None or time.monotonic() - self._checked_at >= FRESH_SECONDS
            first = self._checked_at is None
        if not stale:
            return self._verdict()
        self._start_ping()
        deadline = time.monotonic() + (
            FIRST_ANSWER_WITHIN_SECONDS if first else ANSWER_WITHIN_SECONDS
        )
        while self._pinging_since is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return self._verdict()

    def _verdict(self) -> str | None:
        with self._lock:
            if self._checked_at is None:
                return "the first database check has not answered yet"
            if self._failure is not None:
                return f"the database check failed: {self._failure}"
            since = self._pinging_since
            if since is not None and time.monotonic() - since > GRACE_SECONDS:
                return f"the database has not answered for {GRACE_SECONDS:g} s"
            return None

    def _start_ping(self) -> None:
        with self._lock:
            if self._pinging_since is not None:
                return  # one ping at a time: the one in flight answers for this probe too
            self._pinging_since = time.monotonic()
        threading.Thread(target=self._run_ping, name="readiness-ping", daemon=True).start()

    def _run_ping(self) -> None:
        try:
            self._ping()
            failure = None
        except Exception as exc:
            log.warning("not ready", exc_info=True)
            failure = type(exc).__name__
        with self._lock:
            self._checked_at = time.monotonic()
            self._failure = failure
            self._pinging_since = None


def install_operational_routes(app: FastAPI, ready: Callable[[], None]) -> None:
    """`/healthz` (the process answers), `/readyz` (`ready()` does not raise), `/metrics`."""
    router = APIRouter(tags=["operations"])
    readiness = Readiness(ready)
    app.state.readiness = readiness

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: the service can reach what it depends on",
        responses={503: {"description": "Not ready (problem+json)"}},
    )
    async def readyz(request: Request) -> Response:
        problem = await readiness.problem()
        if problem is not None:
            return problem_response(
                503, "Service Unavailable", f"not ready: {problem}", "not-ready", request.url.path
            )
        return JSONResponse({"status": "ready"})

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
