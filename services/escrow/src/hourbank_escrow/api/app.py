"""The escrow service's HTTP API."""

from importlib.metadata import version

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.api import accounts, admin, escrows
from hourbank_escrow.domain import InvalidAmount
from hourbank_escrow.settings import EscrowSettings
from hourbank_shared.auth import TokenVerifier
from hourbank_shared.clock import Clock, SystemClock
from hourbank_shared.errors import install_problem_handlers, problem_response
from hourbank_shared.operational import install_operational_routes


def create_app(
    settings: EscrowSettings, sessions: sessionmaker[Session], clock: Clock | None = None
) -> FastAPI:
    app = FastAPI(
        title="HourBank escrow",
        version=version("hourbank-escrow"),
        description="Accounts, the double-entry ledger, escrow holds and reconciliation.",
    )
    app.state.token_verifier = TokenVerifier(settings)
    app.state.sessions = sessions
    app.state.clock = clock or SystemClock()
    install_problem_handlers(app)
    app.add_exception_handler(InvalidAmount, _invalid_for_the_domain)

    def ready() -> None:
        with sessions() as session:
            session.execute(text("SELECT 1"))

    install_operational_routes(app, ready)
    # /v1/accounts/me before the admin's /v1/accounts/{member_id}
    for router in (accounts.router, escrows.router, admin.router):
        app.include_router(router)
    return app


async def _invalid_for_the_domain(request: Request, exc: Exception) -> JSONResponse:
    """Input the API's models let through but the domain refuses to represent."""
    return problem_response(
        422, "Unprocessable Content", str(exc), "invalid-input", request.url.path
    )
