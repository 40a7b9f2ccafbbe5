"""With every pooled connection held and the admission limit full of requests waiting for one,
`/healthz` and `/readyz` still answer within 100 ms, and readiness says ready: the database is
reachable, the pod is only busy (see `operational.Readiness`)."""

import asyncio
import time
from collections.abc import Iterator

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import sessionmaker

from hourbank_shared.dependencies import ReadSession
from hourbank_shared.operational import FRESH_SECONDS
from hourbank_shared.service_app import admission_limit, service_app
from hourbank_shared.settings import ServiceSettings, sqlalchemy_url

pytestmark = pytest.mark.integration

PROBE_WITHIN_SECONDS = 0.1
TRIES = 3
GIVE_UP_SECONDS = 3.0
WAITING = 6
"""Slow requests: one inside the admission limit, waiting for a connection; five queued."""


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(
        sqlalchemy_url(database_url), pool_size=1, max_overflow=1, pool_timeout=20
    )
    yield engine
    engine.dispose()


def saturated_app(database_url: str, engine: Engine) -> FastAPI:
    settings = ServiceSettings(database_url=database_url, jwt_secret="x" * 32)
    app = service_app(
        title="t",
        distribution="hourbank-shared",
        description="",
        settings=settings,
        sessions=sessionmaker(engine),
    )

    @app.get("/slow")
    def slow(session: ReadSession) -> dict[str, int]:
        return {"one": session.execute(text("SELECT 1")).scalar_one()}

    return app


async def timed(client: httpx.AsyncClient, path: str) -> tuple[float, int]:
    """Seconds to the answer and its status; (inf, 0) if none came within a few seconds."""
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(client.get(path), GIVE_UP_SECONDS)
    except TimeoutError:
        return float("inf"), 0
    return time.perf_counter() - started, response.status_code


def test_probes_answer_at_once_with_the_pool_and_the_admission_limit_full(
    database_url: str, engine: Engine
) -> None:
    app = saturated_app(database_url, engine)
    assert admission_limit(app.state.sessions) == 1
    held = [engine.connect() for _ in range(2)]  # every connection of the pool, checked out

    async def run() -> tuple[list[tuple[float, int]], list[tuple[float, int]], list[int]]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            waiting = [asyncio.create_task(client.get("/slow")) for _ in range(WAITING)]
            await asyncio.sleep(0.3)  # the first is inside, waiting for the pool
            assert not any(task.done() for task in waiting)
            health, ready = [], []
            try:
                for _ in range(TRIES):
                    health.append(await timed(client, "/healthz"))
                    ready.append(await timed(client, "/readyz"))
                    await asyncio.sleep(FRESH_SECONDS)  # the next readiness probe pings again
                assert not any(task.done() for task in waiting), "probes ran while saturated"
            finally:
                for connection in held:
                    connection.close()
            answers = await asyncio.gather(*waiting)
        return health, ready, [answer.status_code for answer in answers]

    health, ready, slow = asyncio.run(run())

    assert [status for _, status in health + ready] == [200] * (2 * TRIES)
    assert min(seconds for seconds, _ in health) < PROBE_WITHIN_SECONDS, health
    assert min(seconds for seconds, _ in ready) < PROBE_WITHIN_SECONDS, ready
    assert slow == [200] * WAITING  # the saturation was real work, served once released
