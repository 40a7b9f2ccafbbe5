"""The escrow service's HTTP API."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.api import accounts, admin, escrows, stats
from hourbank_escrow.domain import InvalidAmount, NotAllowed
from hourbank_escrow.handlers import CONSUMER
from hourbank_escrow.settings import EscrowSettings
from hourbank_shared.clock import Clock
from hourbank_shared.dlq_api import dead_letter_router
from hourbank_shared.errors import problem_response
from hourbank_shared.service_app import service_app


def create_app(
    settings: EscrowSettings, sessions: sessionmaker[Session], clock: Clock | None = None
) -> FastAPI:
    app = service_app(
        title="HourBank escrow",
        distribution="hourbank-escrow",
        description="Accounts, the double-entry ledger, escrow holds and reconciliation.",
        settings=settings,
        sessions=sessions,
        clock=clock,
    )
    app.state.adjustment_approval_above = settings.adjustment_approval_above
    app.add_exception_handler(InvalidAmount, _invalid_for_the_domain)
    app.add_exception_handler(NotAllowed, _not_allowed)
    # /v1/accounts/me before the admin's /v1/accounts/{member_id}
    for router in (accounts.router, escrows.router, admin.router, stats.router):
        app.include_router(router)
    app.include_router(dead_letter_router(CONSUMER, settings.kafka_bootstrap_servers, settings))
    return app


async def _invalid_for_the_domain(request: Request, exc: Exception) -> JSONResponse:
    """Input the API's models let through but the domain refuses to represent."""
    return problem_response(
        422, "Unprocessable Content", str(exc), "invalid-input", request.url.path
    )


async def _not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """An admin acting on their own account, or approving their own adjustment."""
    return problem_response(403, "Forbidden", str(exc), "forbidden", request.url.path)
