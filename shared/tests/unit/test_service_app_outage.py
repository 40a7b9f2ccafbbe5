"""A database that cannot be reached is the service's outage: 503 problem+json, retry later."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import sessionmaker

from hourbank_shared.service_app import service_app
from hourbank_shared.settings import ServiceSettings


def app_failing_with(error: Exception) -> TestClient:
    settings = ServiceSettings(database_url="sqlite://", jwt_secret="x" * 32)
    app = service_app(
        title="t",
        distribution="hourbank-shared",
        description="",
        settings=settings,
        sessions=sessionmaker(create_engine("sqlite://")),
    )

    @app.get("/boom")
    def boom() -> dict[str, Any]:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_a_database_restart_answers_503_with_retry_after() -> None:
    shutting_down = OperationalError("SELECT 1", {}, Exception("the database is shutting down"))
    response = app_failing_with(shutting_down).get("/boom")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert "retry shortly" in response.json()["detail"]
    assert "shutting down" not in response.text  # no internals leak


def test_a_pool_with_no_free_connection_answers_503() -> None:
    response = app_failing_with(PoolTimeout("QueuePool limit reached")).get("/boom")
    assert response.status_code == 503
