"""The admission limit and a request parked outside it: while a long-poll waits it holds no
slot, so work goes on at the limit; once it resumes it holds a slot again."""

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from hourbank_shared.admission import AdmissionLimit, outside_admission


class Parking:
    """`/park` waits outside the limit until released, then until `/resume`-d inside it;
    `/work` answers at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.finish = asyncio.Event()
        self.resumed = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/park":
            async with outside_admission(scope):
                await self.release.wait()
            self.resumed.set()
            await self.finish.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_a_parked_request_holds_no_slot_and_takes_one_again_when_it_resumes() -> None:
    async def run() -> None:
        inner = Parking()
        app = AdmissionLimit(inner, limit=1)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            parked = asyncio.create_task(client.get("/park"))
            await asyncio.sleep(0.05)
            # at the limit of 1, with the parked request waiting: work still goes through
            work = await asyncio.wait_for(client.get("/work"), 1)
            assert work.status_code == 200
            inner.release.set()
            await asyncio.wait_for(inner.resumed.wait(), 1)
            # resumed inside the limit: the next request waits for its slot
            queued = asyncio.create_task(client.get("/work"))
            await asyncio.sleep(0.05)
            assert not queued.done()
            inner.finish.set()
            assert (await asyncio.wait_for(parked, 1)).status_code == 200
            assert (await asyncio.wait_for(queued, 1)).status_code == 200

    asyncio.run(run())


def test_a_request_outside_any_limit_parks_as_well() -> None:
    """No admission middleware in front (a test app): parking is a no-op, not an error."""

    async def run() -> None:
        async with outside_admission({"type": "http"}):
            await asyncio.sleep(0)

    asyncio.run(run())
