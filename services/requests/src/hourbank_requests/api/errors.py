"""Every error as problem+json: the framework's and shared ones, and the domain's by kind."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hourbank_requests.domain import errors as domain
from hourbank_shared import errors as http
from hourbank_shared.db import ConcurrentUpdate
from hourbank_shared.errors import install_problem_handlers, problem_response

STATUS_OF: dict[type[domain.RequestsDomainError], type[http.Problem]] = {
    domain.NotVisible: http.NotFound,
    domain.Forbidden: http.Forbidden,
    domain.NotAllowedNow: http.Conflict,
    domain.InvalidInput: http.InvalidInput,
}


def install_error_handlers(app: FastAPI) -> None:
    install_problem_handlers(app)
    app.add_exception_handler(domain.RequestsDomainError, _refused_by_the_domain)
    app.add_exception_handler(ConcurrentUpdate, _concurrent_update)


async def _refused_by_the_domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, domain.RequestsDomainError)
    kind = next(
        (problem for error, problem in STATUS_OF.items() if isinstance(exc, error)), http.Problem
    )
    return problem_response(
        kind.status, kind.title, exc.detail, kind.slug, request.url.path, **exc.extensions
    )


async def _concurrent_update(request: Request, exc: Exception) -> JSONResponse:
    """Another request changed the same thing at the same moment: the client may retry."""
    detail = f"{exc}; it was changed by another request at the same time, try again"
    return problem_response(409, http.Conflict.title, detail, "concurrent-update", request.url.path)
