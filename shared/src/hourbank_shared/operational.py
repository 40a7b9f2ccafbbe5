"""The routes every service serves for its operators: liveness, readiness and metrics."""

import logging
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hourbank_shared.errors import problem_response

log = logging.getLogger(__name__)


def install_operational_routes(app: FastAPI, ready: Callable[[], None]) -> None:
    """`/healthz` (the process answers), `/readyz` (`ready()` does not raise), `/metrics`."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # Sync on purpose: `ready` may block (a database ping), so it runs in the thread pool.
    @router.get(
        "/readyz",
        summary="Readiness: the service can reach what it depends on",
        responses={503: {"description": "Not ready (problem+json)"}},
    )
    def readyz(request: Request) -> Response:
        try:
            ready()
        except Exception as exc:
            log.warning("not ready", exc_info=True)
            return problem_response(
                503,
                "Service Unavailable",
                f"not ready: {type(exc).__name__}",
                "not-ready",
                request.url.path,
            )
        return JSONResponse({"status": "ready"})

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
