"""The domain's refusals as problem+json, by kind (the rest is `service_app`'s)."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hourbank_disputes.domain import errors as domain
from hourbank_shared import errors as http
from hourbank_shared.errors import problem_response

STATUS_OF: dict[type[domain.DisputesDomainError], type[http.Problem]] = {
    domain.NotVisible: http.NotFound,
    domain.Forbidden: http.Forbidden,
    domain.NotAllowedNow: http.Conflict,
    domain.InvalidInput: http.InvalidInput,
}


def install_domain_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(domain.DisputesDomainError, _refused_by_the_domain)


async def _refused_by_the_domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, domain.DisputesDomainError)
    kind = next(
        (problem for error, problem in STATUS_OF.items() if isinstance(exc, error)), http.Problem
    )
    return problem_response(
        kind.status, kind.title, exc.detail, kind.slug, request.url.path, **exc.extensions
    )
