"""RFC 9457 problem details for FastAPI: one exception family, one set of handlers."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hourbank_shared.validation import NAME_SHOWN, describe_errors, shorten

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://hourbank.dev/problems/"


class Problem(Exception):
    """An error the API reports as problem+json."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class Unauthorized(Problem):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(Problem):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    status, title, slug = 404, "Not Found", "not-found"


class Conflict(Problem):
    status, title, slug = 409, "Conflict", "conflict"


class InvalidInput(Problem):
    status, title, slug = 422, "Unprocessable Content", "invalid-input"


class ServiceUnavailable(Problem):
    status, title, slug = 503, "Service Unavailable", "unavailable"


class ProblemJSON(JSONResponse):
    """problem+json that renders even text UTF-8 cannot encode (a lone surrogate echoed from
    the input), as JSON escapes: an error answer must never fail in turn."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, separators=(",", ":")).encode()


def problem_response(
    status: int, title: str, detail: str, slug: str, instance: str, **extensions: Any
) -> JSONResponse:
    """An RFC 9457 problem: `type` from the slug, `instance` the request's path."""
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return ProblemJSON(body, status_code=status, headers=headers)


def invalid_input_response(
    errors: Sequence[Mapping[str, Any]], instance: str, whole: str = "request"
) -> JSONResponse:
    """422 for pydantic-style errors (`loc`, `msg`, `type`): the detail names each field."""
    shown = [
        {
            "loc": [shorten(p, NAME_SHOWN) if isinstance(p, str) else p for p in e.get("loc", ())],
            "msg": shorten(str(e.get("msg"))),
            "type": e.get("type"),
        }
        for e in errors
    ]
    return problem_response(
        422,
        InvalidInput.title,
        describe_errors(shown, whole),
        InvalidInput.slug,
        instance,
        errors=shown,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error, ours and the framework's, as problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(
            exc.status, exc.title, exc.detail, exc.slug, request.url.path, **exc.extensions
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return invalid_input_response(exc.errors(), request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, "Error")
        return problem_response(
            exc.status_code, title, str(exc.detail), f"http-{exc.status_code}", request.url.path
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            500,
            "Internal Server Error",
            "an unexpected error occurred; it has been logged",
            "internal",
            request.url.path,
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
