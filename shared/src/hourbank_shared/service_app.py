"""What every service's HTTP API starts from: bearer auth, problem+json for every error,
`/healthz`, `/readyz` (a database ping) and `/metrics`."""

import logging
from importlib.metadata import version

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import QueuePool, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared import domain_errors as domain
from hourbank_shared.admission import AdmissionLimit
from hourbank_shared.auth import TokenVerifier
from hourbank_shared.clock import Clock, SystemClock
from hourbank_shared.db import ConcurrentUpdate
from hourbank_shared.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    ServiceUnavailable,
    install_problem_handlers,
    problem_response,
)
from hourbank_shared.operational import install_operational_routes
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.tracing import TraceRequests

log = logging.getLogger(__name__)


def service_app(
    *,
    title: str,
    distribution: str,
    description: str,
    settings: ServiceSettings,
    sessions: sessionmaker[Session],
    clock: Clock | None = None,
) -> FastAPI:
    app = FastAPI(
        title=title, version=version(distribution), description=description, docs_url=None
    )

    # The page names its document relatively, so it also works behind the gateway's
    # `/<service>/docs` → `/docs` route.
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="openapi.json", title=f"{title} – API")

    app.state.token_verifier = TokenVerifier(settings)
    app.state.sessions = sessions
    app.state.clock = clock or SystemClock()
    app.add_middleware(TraceRequests)
    app.add_middleware(AdmissionLimit, limit=admission_limit(sessions))
    install_problem_handlers(app)
    app.add_exception_handler(ConcurrentUpdate, _concurrent_update)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(domain.DomainError, _refused_by_the_domain)

    def ready() -> None:
        with sessions() as session:
            session.execute(text("SELECT 1"))

    install_operational_routes(app, ready)
    return app


def admission_limit(sessions: sessionmaker[Session]) -> int:
    """Half the pool's connections (a route may hold two sessions: a command and a read)."""
    pool = getattr(sessions.kw.get("bind"), "pool", None)
    if isinstance(pool, QueuePool):
        return max(1, (pool.size() + pool._max_overflow) // 2)
    return 10


PROBLEM_OF: dict[type[domain.DomainError], type[Problem]] = {
    domain.NotVisible: NotFound,
    domain.Forbidden: Forbidden,
    domain.NotAllowedNow: Conflict,
    domain.InvalidInput: InvalidInput,
}


async def _refused_by_the_domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, domain.DomainError)
    kind = next((p for error, p in PROBLEM_OF.items() if isinstance(exc, error)), Problem)
    return problem_response(
        kind.status, kind.title, exc.detail, kind.slug, request.url.path, **exc.extensions
    )


async def _concurrent_update(request: Request, exc: Exception) -> JSONResponse:
    """Another request changed the same thing at the same moment: the client may retry."""
    detail = f"{exc}; it was changed by another request at the same time, try again"
    return problem_response(409, Conflict.title, detail, "concurrent-update", request.url.path)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached (restarting, failing over) or every connection is
    busy: our outage, not the client's error. Nothing was done; the same request (with the
    same Idempotency-Key) may be sent again."""
    log.warning("database unavailable: %s", type(exc).__name__)
    response = problem_response(
        503,
        ServiceUnavailable.title,
        "the database is not reachable right now; nothing was changed, retry shortly",
        ServiceUnavailable.slug,
        request.url.path,
    )
    response.headers["Retry-After"] = "1"
    return response
