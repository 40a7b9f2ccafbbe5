"""A burst of requests, far more than worker threads and pooled connections: behind the
admission limit every one answers. Without it the app deadlocks (workers wait for connections
held by requests that wait for a worker to serialize their answer) until the pool times out."""

import asyncio

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, exc, text
from sqlalchemy.orm import sessionmaker

from hourbank_shared.admission import AdmissionLimit
from hourbank_shared.dependencies import ReadSession
from hourbank_shared.service_app import admission_limit
from hourbank_shared.settings import sqlalchemy_url

pytestmark = pytest.mark.integration


def app_with_small_pools(database_url: str, *, limited: bool) -> FastAPI:
    engine = create_engine(
        sqlalchemy_url(database_url), pool_size=1, max_overflow=1, pool_timeout=3
    )
    app = FastAPI()
    app.state.sessions = sessionmaker(engine)
    if limited:
        app.add_middleware(AdmissionLimit, limit=admission_limit(app.state.sessions))

    @app.get("/")
    def read(session: ReadSession) -> dict[str, int]:
        return {"one": session.execute(text("SELECT 1 FROM pg_sleep(0.02)")).scalar_one()}

    return app


def burst(app: FastAPI) -> list[int]:
    async def run() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = await asyncio.gather(*(client.get("/") for _ in range(60)))
        return [a.status_code for a in answers]

    return asyncio.run(run())


def test_the_limit_is_half_the_pool(database_url: str) -> None:
    app = app_with_small_pools(database_url, limited=False)
    assert admission_limit(app.state.sessions) == 1


def test_behind_the_admission_limit_every_request_answers(database_url: str) -> None:
    assert burst(app_with_small_pools(database_url, limited=True)) == [200] * 60


def test_without_it_the_same_burst_deadlocks_until_the_pool_times_out(database_url: str) -> None:
    with pytest.raises(exc.TimeoutError, match="QueuePool limit"):
        burst(app_with_small_pools(database_url, limited=False))  # raises from the app
