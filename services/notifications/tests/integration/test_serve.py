"""`hourbank-notifications serve`: the API and the relay beside the faust worker in one
process, one pair of probes for all of them, and a clean stop on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from hourbank_shared.testing.infra import Infra

pytestmark = pytest.mark.integration
SECRET = "notifications-serve-test-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


def test_serve_runs_every_loop_in_one_process_and_stops_on_sigterm(
    infra: Infra, migrated_url: str, tmp_path: Path, new_topic: Any
) -> None:
    topic = new_topic("notifications.serve")
    api, metrics = free_port(), free_port()
    env = {
        **os.environ,
        "HOURBANK_NOTIFICATIONS_DATABASE_URL": migrated_url,
        "HOURBANK_NOTIFICATIONS_METRICS_PORT": str(metrics),
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "HOURBANK_JWT_SECRET": SECRET,
        "HOURBANK_DEV_MODE": "true",  # the test secret is in the repository
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hourbank_notifications",
                "serve",
                "--port",
                str(api),
                "--group",
                f"notifications-serve-{uuid.uuid4().hex[:8]}",
                "--topic",
                topic,
            ],
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 60
        while answers(f"http://127.0.0.1:{metrics}/readyz") != 200:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        assert answers(f"http://127.0.0.1:{api}/healthz") == 200
        scraped = httpx.get(f"http://127.0.0.1:{metrics}/metrics", timeout=5).text
        # the relay's gauges and the API's request metrics, from one registry
        assert 'hourbank_relay_active{relay="notifications"} 1.0' in scraped, scraped[-2000:]
        assert "hourbank_http_requests_total" in scraped
        process.send_signal(signal.SIGTERM)
        assert process.wait(40) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
