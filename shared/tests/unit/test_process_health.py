"""A process without an API is live while its loop beats, and says how long it has been quiet."""

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, Counter

from hourbank_shared.heartbeat import Heartbeat
from hourbank_shared.process_http import ProcessHttp, serve_process_http


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def get(server: ProcessHttp, path: str) -> tuple[int, str, dict[str, object] | str]:
    url = f"http://127.0.0.1:{server.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            status, body = answer.status, answer.read()
            content_type = answer.headers["content-type"]
    except urllib.error.HTTPError as error:
        status, content_type, body = error.code, error.headers["content-type"], error.read()
    text = body.decode()
    return status, content_type, json.loads(text) if "json" in content_type else text


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def heartbeat(clock: FakeClock) -> Heartbeat:
    return Heartbeat("consumer test", window=30, clock=clock)


@pytest.fixture
def server(heartbeat: Heartbeat) -> Iterator[ProcessHttp]:
    registry = CollectorRegistry()
    Counter("test_things_total", "things", registry=registry).inc(3)
    running = serve_process_http(0, heartbeat, registry, host="127.0.0.1")
    yield running
    running.close()


def test_live_while_the_loop_beats_within_its_window(
    server: ProcessHttp, heartbeat: Heartbeat, clock: FakeClock
) -> None:
    clock.now += 29
    assert get(server, "/healthz")[0] == 200
    heartbeat.beat()
    clock.now += 29
    status, _, body = get(server, "/healthz")
    assert status == 200
    assert isinstance(body, dict) and body["status"] == "ok"


def test_stale_heartbeat_is_503_saying_how_long(server: ProcessHttp, clock: FakeClock) -> None:
    clock.now += 45.5
    status, content_type, body = get(server, "/healthz")
    assert (status, content_type) == (503, "application/problem+json")
    assert isinstance(body, dict)
    assert "consumer test has not made progress for 45.5 s (allowed 30 s)" in str(body["detail"])
    assert body["silent_seconds"] == 45.5


def test_ready_only_once_the_loop_runs_and_while_nothing_is_retried(
    server: ProcessHttp, heartbeat: Heartbeat, clock: FakeClock
) -> None:
    status, _, body = get(server, "/readyz")
    assert status == 503 and "starting" in str(body)
    heartbeat.beat()
    assert get(server, "/readyz")[0] == 200

    heartbeat.trouble("OperationalError handling request.completed")
    clock.now += 12
    heartbeat.beat()  # retrying: live, not ready
    assert get(server, "/healthz")[0] == 200
    status, _, body = get(server, "/readyz")
    assert status == 503 and "retrying for 12.0 s: OperationalError" in str(body)

    heartbeat.recovered()
    assert get(server, "/readyz")[0] == 200


def test_metrics_are_the_registrys(server: ProcessHttp) -> None:
    status, content_type, body = get(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert "test_things_total 3.0" in str(body)
    assert get(server, "/nothing")[0] == 404


def test_waiting_beats_every_second_and_stops_at_once() -> None:
    heartbeat = Heartbeat("relay test", window=1.2)
    stop = threading.Event()
    seen: list[str | None] = []
    threading.Timer(2.2, lambda: seen.append(heartbeat.liveness_problem())).start()
    assert heartbeat.wait(stop, 2.5) is False  # twice the window, yet live throughout
    assert seen == [None]
    threading.Timer(0.1, stop.set).start()
    assert heartbeat.wait(stop, 30) is True
