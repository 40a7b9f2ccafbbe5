"""What every service's HTTP API starts from: bearer auth, problem+json for every error,
bodies beyond the route's limit and text PostgreSQL cannot store refused up front, `/healthz`,
`/readyz` (a database ping over a connection of its own) and `/metrics`."""

import logging
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Engine, QueuePool, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from hourbank_shared import domain_errors as domain
from hourbank_shared.admission import AdmissionLimit
from hourbank_shared.auth import TokenVerifier
from hourbank_shared.body_limit import LimitRequestBody
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
from hourbank_shared.http_metrics import MeasureRequests
from hourbank_shared.http_tracing import FASTAPI_TELEMETRY_OFF, TraceRequests
from hourbank_shared.operational import install_operational_routes
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.text_input import RefuseUnstorableText

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
        title=title,
        version=version(distribution),
        description=description,
        docs_url=None,
        telemetry=FASTAPI_TELEMETRY_OFF,
    )

    # The page names its document relatively, so it also works behind the gateway's
    # `/<service>/docs` → `/docs` route.
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="openapi.json", title=f"{title} – API")

    app.state.token_verifier = TokenVerifier(settings)
    app.state.sessions = sessions
    app.state.clock = clock or SystemClock()
    # outermost last: admission, then tracing, then the body limit (before anything reads a
    # body), then the text check right before the routes
    app.add_middleware(RefuseUnstorableText)
    app.add_middleware(LimitRequestBody, default_limit=settings.max_request_body_bytes)
    app.add_middleware(TraceRequests)
    app.add_middleware(AdmissionLimit, limit=admission_limit(sessions))
    # outside admission, so requests it turns away (429, 503) are counted too
    app.add_middleware(MeasureRequests, service=settings.service_name)
    install_problem_handlers(app)
    app.add_exception_handler(ConcurrentUpdate, _concurrent_update)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(domain.DomainError, _refused_by_the_domain)

    install_operational_routes(app, database_ping(sessions))
    return app


PING_TIMEOUT_SECONDS = 2


def database_ping(sessions: sessionmaker[Session]) -> Callable[[], None]:
    """`SELECT 1` over a connection of its own, never the pool's (see `Readiness`)."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):

        def pooled_ping() -> None:
            with sessions() as session:
                session.execute(text("SELECT 1"))

        return pooled_ping
    # A new connection each time (at most one a second, and only when probed): no idle
    # connection is kept for the probes, and the check also covers what a new pooled
    # connection would need (the server accepts connections).
    own = create_engine(bind.url, poolclass=NullPool, connect_args=_short_timeouts(bind))

    def ping() -> None:
        with own.connect() as connection:
            connection.execute(text("SELECT 1"))

    return ping


def _short_timeouts(engine: Engine) -> dict[str, Any]:
    """PostgreSQL connection arguments so that a ping fails rather than hangs."""
    if engine.dialect.name != "postgresql":
        return {}
    options = str(engine.url.query.get("options", ""))
    statement_timeout = f"-c statement_timeout={PING_TIMEOUT_SECONDS * 1000}"
    return {
        "connect_timeout": PING_TIMEOUT_SECONDS,
        "options": f"{options} {statement_timeout}".strip(),
    }


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
