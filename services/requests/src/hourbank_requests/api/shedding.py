"""A submission refused at the door: 503 problem+json with `Retry-After` (`load_shedding`)."""

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from hourbank_requests.load_shedding import SHED, Refusal, SubmitGate
from hourbank_shared.errors import ServiceUnavailable, problem_response

SLUG = "overloaded"
RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Too many requests wait for escrow's hold: nothing was done; send the "
        "same request (same Idempotency-Key) again after `Retry-After` seconds (problem+json)"
    }
}


async def _gate(request: Request) -> SubmitGate:
    gate: SubmitGate = request.app.state.submit_gate
    return gate


Gate = Annotated[SubmitGate, Depends(_gate)]
"""The process's submit gate: `gate.check()` is None, or the refusal to answer."""


def refused(refusal: Refusal, request: Request) -> JSONResponse:
    route = getattr(request.scope.get("route"), "path", request.url.path)
    SHED.labels("requests", route).inc()
    detail = (
        f"too many requests are waiting for escrow to hold their hours ({refusal.waiting}, "
        f"the limit is {refusal.limit}); nothing was done: send the same request again, with "
        f"the same Idempotency-Key, in {refusal.retry_after} s"
    )
    response = problem_response(
        503,
        ServiceUnavailable.title,
        detail,
        SLUG,
        request.url.path,
        retry_after=refusal.retry_after,
    )
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response
