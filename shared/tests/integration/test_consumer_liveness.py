"""A consumer's /healthz means its loop makes progress: 503 while a handler hangs, 200 while it
retries an outage (which a restart would not end)."""

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from confluent_kafka import Producer

from hourbank_shared.consumer import ConsumerRunner, RetryPolicy, TransientError
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.envelope import Envelope
from hourbank_shared.process_http import ProcessHttp, serve_process_http
from hourbank_shared.testing.infra import Infra

pytestmark = pytest.mark.integration
WINDOW = 2.0


def publish_one(bootstrap: str, topic: str) -> None:
    event = MemberRegistered(
        member_id=uuid.uuid4(),
        display_name="Ada",
        roles=["member"],
        registered_at=datetime.now(UTC),
    )
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, Envelope.wrap(event, source="/hourbank/test").to_json())
    producer.flush(10)


def probe(server: ProcessHttp, path: str) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{server.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextmanager
def running(runner: ConsumerRunner) -> Iterator[ProcessHttp]:
    runner.heartbeat.window = WINDOW
    server = serve_process_http(0, runner.heartbeat, host="127.0.0.1")
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(30)
        server.close()


def wait_for(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_hanging_handler_makes_the_consumer_not_live(infra: Infra, new_topic: Any) -> None:
    topic = new_topic("liveness", partitions=1)
    entered, release = threading.Event(), threading.Event()

    def hang(envelope: Envelope, event: MemberRegistered) -> None:
        entered.set()
        release.wait(30)

    name = f"liveness{uuid.uuid4().hex[:8]}"
    runner = ConsumerRunner(
        name=name, bootstrap=infra.bootstrap, topics=[topic], routes={MemberRegistered.TYPE: hang}
    )
    with running(runner) as server:
        wait_for(lambda: probe(server, "/readyz")[0] == 200)
        publish_one(infra.bootstrap, topic)
        assert entered.wait(30)
        assert probe(server, "/healthz")[0] == 200  # within its window

        time.sleep(WINDOW + 0.5)
        status, body = probe(server, "/healthz")
        assert status == 503
        assert f"consumer {name} has not made progress for" in body["detail"]
        assert body["silent_seconds"] > WINDOW

        release.set()
        wait_for(lambda: probe(server, "/healthz")[0] == 200, 10)


def test_retrying_an_outage_stays_live_but_not_ready(infra: Infra, new_topic: Any) -> None:
    topic = new_topic("liveness", partitions=1)
    attempts: list[float] = []

    def database_away(envelope: Envelope, event: MemberRegistered) -> None:
        attempts.append(time.monotonic())
        if len(attempts) < 6:
            raise TransientError("the database is not reachable")

    runner = ConsumerRunner(
        name=f"liveness{uuid.uuid4().hex[:8]}",
        bootstrap=infra.bootstrap,
        topics=[topic],
        routes={MemberRegistered.TYPE: database_away},
        # each wait is longer than the window: only beating while waiting keeps it live
        retry=RetryPolicy(first_backoff=WINDOW * 1.5, max_backoff=WINDOW * 1.5),
    )
    with running(runner) as server:
        wait_for(lambda: probe(server, "/readyz")[0] == 200)
        publish_one(infra.bootstrap, topic)
        wait_for(lambda: len(attempts) >= 1)
        live, ready = set(), set()
        while len(attempts) < 6:
            live.add(probe(server, "/healthz")[0])
            status, answer = probe(server, "/readyz")
            if len(attempts) < 6:  # the last attempt, which succeeds, had not begun
                ready.add(status)
                body = answer
            time.sleep(0.2)
        assert live == {200}
        assert ready == {503}
        assert "retrying" in body["detail"] and "TransientError" in body["detail"]
        wait_for(lambda: probe(server, "/readyz")[0] == 200)
