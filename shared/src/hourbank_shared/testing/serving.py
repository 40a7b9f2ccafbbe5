"""The test of a service's `serve` process (`hourbank-<service> serve`): every loop in one
process, one pair of probes for all, one registry, a clean stop on SIGTERM."""

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


def check_serve(argv: list[str], env: dict[str, str], relay: str, log: Path) -> None:
    """Start `argv` (a `serve` command) on free ports, wait until ready, check its API answers
    and its metrics carry the relay's gauges and the API's request metrics, then SIGTERM it:
    it must exit 0."""
    api, metrics = free_port(), free_port()
    service = relay.upper()
    env = {**env, f"HOURBANK_{service}_METRICS_PORT": str(metrics)}
    with log.open("wb") as out:
        process = subprocess.Popen([*argv, "--port", str(api)], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while _status(f"http://127.0.0.1:{metrics}/readyz") != 200:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        assert _status(f"http://127.0.0.1:{api}/healthz") == 200
        scraped = httpx.get(f"http://127.0.0.1:{metrics}/metrics", timeout=5).text
        assert f'hourbank_relay_active{{relay="{relay}"}} 1.0' in scraped, scraped[-2000:]
        assert "hourbank_http_requests_total" in scraped
        process.send_signal(signal.SIGTERM)
        assert process.wait(40) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
