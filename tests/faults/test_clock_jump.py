"""A child's wall clock jumped (`fault_kinds.clock_env`, `jump_clock`, `reset_clock`): its
time.time() and datetime.now() move within a second while its monotonic clock does not, and
PostgreSQL keeps working in it; and the real deadline worker, its clock jumped two hours ahead,
expires nothing early (the database's clock says what is due).

Kafka clients work under the preload at no offset and again after the heal, but not while the
clock is off (see `clock_env`), so the campaign jumps only the deadline workers. Under CI=true
a missing libfaketime fails these tests; elsewhere they skip.
"""

import json
import os
import selectors
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hourbank_requests.adapters import tables as request_tables
from hourbank_requests.bootstrap import Requests, bootstrap
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offerings import Offering, Terms
from hourbank_requests.handlers import submit_request
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.migrations import upgrade
from hourbank_shared.testing.infra import Infra
from hourbank_stack.fault_kinds import FAKETIME, clock_env, jump_clock, reset_clock

from .test_fault_kinds import free_port, need

pytestmark = pytest.mark.integration

JUMP = 2 * 3600.0


CLOCK_CHILD = """
import asyncio, json, sys, threading, time, uuid
from datetime import UTC, datetime
import psycopg
from confluent_kafka import Consumer, Producer

database, bootstrap, topic = sys.argv[1:4]

def clock():
    return {"time": time.time(), "now": datetime.now(UTC).timestamp(), "mono": time.monotonic()}

def database_and_waits():
    with psycopg.connect(database, connect_timeout=10) as db:
        db_now = db.execute("SELECT now()").fetchone()[0].timestamp()
    began = time.monotonic()
    asyncio.run(asyncio.sleep(0.2))
    threading.Event().wait(0.2)  # not time.sleep: see fault_kinds.clock_env
    return {"db_now": db_now, "waited": time.monotonic() - began}

def kafka():
    key = uuid.uuid4().hex.encode()
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    delivered = []
    producer.produce(topic, key, key, on_delivery=lambda e, _: delivered.append(e is None))
    producer.flush(15)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": key.decode(),
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    consumed, give_up = False, time.monotonic() + 15
    while not consumed and time.monotonic() < give_up:
        message = consumer.poll(0.5)
        consumed = message is not None and message.error() is None and message.key() == key
    consumer.close()
    return {"delivered": delivered == [True], "consumed": consumed}

asked = {"clock": clock, "database": database_and_waits, "kafka": kafka}
for line in sys.stdin:
    print(json.dumps(asked[line.strip()]()), flush=True)
"""


class ClockChild:
    def __init__(self, env: dict[str, str], infra: Infra, topic: str) -> None:
        argv = [sys.executable, "-c", CLOCK_CHILD, infra.admin_url, infra.bootstrap, topic]
        self.process = subprocess.Popen(
            argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, what: str, patience: float = 60.0) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(what + "\n")
        self.process.stdin.flush()
        with selectors.DefaultSelector() as waiting:
            waiting.register(self.process.stdout, selectors.EVENT_READ)
            answered = bool(waiting.select(patience))
        if not answered:
            self.process.kill()
            raise AssertionError(f"the child did not answer {what!r} within {patience} s")
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def offset(self) -> tuple[float, float, float]:
        """Its wall clocks (time.time, datetime.now) and its monotonic one, less ours."""
        clock = self.ask("clock")
        true_time, mono = time.time(), time.monotonic()
        return clock["time"] - true_time, clock["now"] - true_time, clock["mono"] - mono

    def wait_offset(self, near: float, patience: float = 3.0) -> tuple[float, float]:
        """Seconds until its wall clock is `near` ours + that, and its monotonic drift then."""
        began = time.monotonic()
        while True:
            wall, now, mono = self.offset()
            if abs(wall - near) < 2 and abs(now - near) < 2:
                return time.monotonic() - began, mono
            assert time.monotonic() - began < patience, f"wall clock {wall:+.1f} s, not {near}"
            time.sleep(0.05)


def test_a_jumped_clock_moves_wall_time_only_and_postgresql_keeps_working(
    infra: Infra, new_topic: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need(FAKETIME.exists(), f"{FAKETIME} is missing: apt-get install faketime")
    monkeypatch.setenv("HOURBANK_STATE_DIR", str(tmp_path))
    name = "requests-deadlines-test"
    child = ClockChild({**os.environ, **clock_env(name)}, infra, new_topic("clock", 1))
    try:
        assert child.wait_offset(0.0)[0] < 0.5  # no offset before a jump
        assert "libfaketimeMT" in Path(f"/proc/{child.process.pid}/maps").read_text()
        readings = [child.ask("database")]
        kafka = [child.ask("kafka")]

        jump_clock(name, JUMP)
        shown_after, drift = child.wait_offset(JUMP)
        assert shown_after < 1.6  # read again once a second; the asking takes a little
        assert abs(drift) < 0.5  # monotonic: the very same clock as ours
        readings.append(child.ask("database"))

        reset_clock(name)
        back_after, drift = child.wait_offset(0.0)
        assert back_after < 1.6
        assert abs(drift) < 0.5
        readings.append(child.ask("database"))
        kafka.append(child.ask("kafka"))
    finally:
        assert child.process.stdin is not None
        child.process.stdin.close()
        child.process.wait(timeout=30)
    for reading in readings:
        assert abs(reading["db_now"] - time.time()) < 60  # the server's clock, not the child's
        assert 0.35 < reading["waited"] < 2.0
    assert kafka == [{"delivered": True, "consumed": True}] * 2


REQUESTS_ALEMBIC = Path(__file__).parents[2] / "services" / "requests" / "alembic.ini"


def submitted(service: Requests, within: timedelta) -> uuid.UUID:
    """A request (its offering and members new) that expires `within` unless escrow answers."""
    ctx = replace(service.context, escrow_answer_within=within)
    now = ctx.time.clock.now()
    provider, requester = (
        Member.register(uuid.uuid4(), name, None, ("member",), now) for name in "PR"
    )
    offering = Offering.create(provider, Terms("Gardening", "Weeding", "garden"), now)
    with ctx.uow() as uow:
        for saved in (provider, requester):
            uow.members.save(saved)
        uow.offerings.save(offering)
        request = submit_request(ctx, uow, requester.id, offering.id, Decimal("1.00"), "hi")
        uow.commit()
    return request.id


def status_of(service: Requests, request_id: uuid.UUID) -> str:
    columns = request_tables.requests.c
    with service.sessions() as session:
        query = select(columns.status).where(columns.id == request_id)
        return str(session.execute(query).scalar_one())


def test_a_deadline_worker_whose_clock_jumps_two_hours_expires_nothing_early(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real `hourbank-requests deadlines` process under `clock_env`, its clock jumped while
    it sleeps towards a deadline: it fires that one on time, and not the one the database says
    is an hour away (which its own clock, two hours fast, calls long past)."""
    need(FAKETIME.exists(), f"{FAKETIME} is missing: apt-get install faketime")
    monkeypatch.setenv("HOURBANK_STATE_DIR", str(tmp_path))
    upgrade(REQUESTS_ALEMBIC, database_url, quiet=True)
    service = bootstrap(RequestsSettings(database_url=database_url, jwt_secret="x" * 32))
    soon = submitted(service, timedelta(seconds=4))
    later = submitted(service, timedelta(hours=1))
    name = "requests-deadlines"
    env = {
        **os.environ,
        **clock_env(name),
        "HOURBANK_REQUESTS_DATABASE_URL": database_url,
        "HOURBANK_JWT_SECRET": "x" * 32,
        "HOURBANK_DEV_MODE": "true",
        # the worker serves its probes on the metrics port + 200
        "HOURBANK_REQUESTS_METRICS_PORT": str(free_port() - 200),
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "hourbank-requests"), "deadlines"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(1.5)  # started, asleep towards `soon`
        jump_clock(name, JUMP)
        give_up = time.monotonic() + 15
        while status_of(service, soon) != "EXPIRED" and time.monotonic() < give_up:
            time.sleep(0.2)
        fired = time.time()
        time.sleep(2.5)  # past the jump's second of cache and the worker's next round
        statuses = status_of(service, soon), status_of(service, later)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        service.engine.dispose()
    print(output)
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    firing = [entry for entry in logged if entry["message"] == "fired 1 deadlines"]
    assert statuses == ("EXPIRED", "INITIATED")
    assert worker.returncode == 0
    assert len(firing) == 1
    # the worker's own clock was two hours fast when it fired: faketime was in force
    its_time = datetime.fromisoformat(firing[0]["time"]).timestamp()
    assert abs(its_time - fired - JUMP) < 30
