"""The fault lab's network (hourbank_stack.netlab) on the real Kafka and PostgreSQL: a process
in its own namespace reaches both through the lab, and each fault cuts what it should and no
more. Restarts Kafka and PostgreSQL once (prepare_host), so it runs under the stack's lock:
`flock /tmp/hb-stack.lock …`. Under CI=true a machine that cannot run the lab fails."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from hourbank_stack import netlab
from hourbank_stack.netlab import LAB_HOST, NetlabError, Placement

pytestmark = pytest.mark.integration
INFRA = Path(__file__).resolve().parents[2] / "infra" / "hb-infra"
SERVER_PORT = 8799

PROBE = r"""
import json, os, time
import psycopg
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

found = {}
start = time.monotonic()
try:
    with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=3) as conn:
        found["pg"] = "ok" if conn.execute("SELECT 1").fetchone() == (1,) else "wrong answer"
except psycopg.OperationalError as exc:
    found["pg"] = str(exc)
found["pg_seconds"] = time.monotonic() - start
start = time.monotonic()
try:
    admin = AdminClient({"bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"]})
    metadata = admin.list_topics(timeout=4)
    found["kafka"] = "ok"
    found["brokers"] = sorted(f"{b.host}:{b.port}" for b in metadata.brokers.values())
except KafkaException as exc:
    found["kafka"] = str(exc)
found["kafka_seconds"] = time.monotonic() - start
print(json.dumps(found))
"""

# Takes N bytes until the client closes its side, answers "!" and then N bytes of its own.
SERVER = rf"""
import socket
server = socket.create_server(("0.0.0.0", {SERVER_PORT}))
while True:
    conn, _ = server.accept()
    with conn:
        size = 0
        while chunk := conn.recv(65536):
            size += len(chunk)
        conn.sendall(b"!" + bytes(size))
"""


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _infra_env() -> dict[str, str]:
    out = subprocess.run([str(INFRA), "env"], capture_output=True, text=True, check=True).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    return env


@pytest.fixture(scope="module")
def lab() -> Iterator[Placement]:
    """One placement with Kafka and PostgreSQL reachable through the lab; at the end nothing of
    the lab is left and Kafka and PostgreSQL are up."""
    reason = netlab.unavailable()
    if reason is not None:
        _missing(reason)
    try:
        placement = netlab.place("netlab-probe", 241)
        netlab.degrade(placement, 1, 1000)  # nftables and tbf in this kernel, or a clear error
        netlab.heal(placement)
    except NetlabError as exc:
        netlab.teardown()
        _missing(f"this machine cannot run the fault lab: {exc}")
    try:
        netlab.prepare_host(INFRA)
        yield placement
    finally:
        netlab.teardown()
        subprocess.run([str(INFRA), "up"], check=True, timeout=600)


@pytest.fixture
def placed(lab: Placement) -> Iterator[Placement]:
    netlab.heal(lab)
    yield lab
    netlab.heal(lab)


def probe(p: Placement) -> dict[str, object]:
    """Connect to PostgreSQL and ask Kafka for metadata from inside the namespace."""
    done = subprocess.run(
        p.argv([sys.executable, "-c", PROBE]),
        env=p.env(_infra_env()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def assert_reaches_both(p: Placement) -> None:
    found = probe(p)
    assert found["pg"] == "ok", found
    assert found["kafka"] == "ok", found
    assert found["brokers"] == [f"{LAB_HOST}:{netlab.KAFKA_LAB_PORT}"], found


def assert_hangs(found: dict[str, object], what: str) -> None:
    """Unanswered (a partition), not refused: the client waited out its whole timeout."""
    assert found[what] != "ok", found
    assert float(str(found[f"{what}_seconds"])) >= 2.5, found


def exchange(address: str, size: int) -> tuple[float, float]:
    """Send size bytes to the server in the namespace and take as many back: the seconds each
    way."""
    with socket.create_connection((address, SERVER_PORT), timeout=30) as conn:
        start = time.monotonic()
        conn.sendall(bytes(size))
        conn.shutdown(socket.SHUT_WR)
        assert conn.recv(1) == b"!"
        up = time.monotonic() - start
        received = 0
        while chunk := conn.recv(65536):
            received += len(chunk)
        assert received == size
        return up, time.monotonic() - start - up


def test_a_placement_runs_its_command_in_the_namespace_with_the_lab_addresses() -> None:
    p = netlab.placement("requests-api-2", 7)
    assert (p.netns, p.address, p.host_veth, p.ns_veth) == ("hb7", "10.79.7.2", "hbh7", "hbn7")
    inside = ["ip", "netns", "exec", "hb7"]
    everywhere = "0.0.0.0"  # noqa: S104 - the namespace's own interfaces
    assert p.argv(["hourbank-requests", "api"]) == [
        *inside,
        "hourbank-requests",
        "api",
        "--host",
        everywhere,
    ]
    assert p.argv(["hourbank-escrow", "relay"]) == [*inside, "hourbank-escrow", "relay"]
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092",
        "DATABASE_URL": "postgresql://hourbank@127.0.0.1:55432/postgres",
        "HOURBANK_ESCROW_DATABASE_URL": "postgresql+psycopg://u:pw@localhost:55432/hourbank_escrow",
        "ELSEWHERE_DATABASE_URL": "postgresql://db.internal:5432/x",
        "PATH": "/usr/bin",
    }
    assert p.env(env) == {
        "KAFKA_BOOTSTRAP_SERVERS": "10.79.0.1:19095",
        "DATABASE_URL": "postgresql://hourbank@10.79.0.1:55432/postgres",
        "HOURBANK_ESCROW_DATABASE_URL": "postgresql+psycopg://u:pw@10.79.0.1:55432/hourbank_escrow",
        "ELSEWHERE_DATABASE_URL": "postgresql://db.internal:5432/x",
        "PATH": "/usr/bin",
    }
    assert env["DATABASE_URL"].startswith("postgresql://hourbank@127.0.0.1")  # a copy
    with pytest.raises(ValueError, match=r"1\.\.250"):
        netlab.placement("too-many", 251)


def test_a_process_in_a_namespace_reaches_postgres_and_kafka_through_the_lab(
    placed: Placement,
) -> None:
    assert_reaches_both(placed)


def test_a_cut_from_postgres_hangs_postgres_while_kafka_works_until_healed(
    placed: Placement,
) -> None:
    netlab.cut(placed, "postgres")
    netlab.cut(placed, "postgres")
    found = probe(placed)
    assert_hangs(found, "pg")
    assert found["kafka"] == "ok", found
    netlab.heal(placed)
    assert_reaches_both(placed)


def test_a_cut_from_kafka_hangs_kafka_while_postgres_works_until_healed(
    placed: Placement,
) -> None:
    netlab.cut(placed, "kafka")
    found = probe(placed)
    assert_hangs(found, "kafka")
    assert found["pg"] == "ok", found
    netlab.heal(placed)
    netlab.heal(placed)
    assert_reaches_both(placed)


def test_total_loss_blocks_both_until_healed(placed: Placement) -> None:
    netlab.degrade(placed, 100, 1000)
    found = probe(placed)
    assert_hangs(found, "pg")
    assert_hangs(found, "kafka")
    netlab.heal(placed)
    assert_reaches_both(placed)


def test_the_host_reaches_a_server_in_the_namespace_and_a_slow_link_slows_both_ways(
    placed: Placement,
) -> None:
    server = subprocess.Popen(placed.argv([sys.executable, "-c", SERVER]))
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection((placed.address, SERVER_PORT), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server in the namespace never answered"
                time.sleep(0.2)
        size = 200_000
        up, down = exchange(placed.address, size)
        assert up + down < 1.0, (up, down)
        netlab.degrade(placed, 0, 800)  # 100 kB/s each way: about 2 s for each direction
        up, down = exchange(placed.address, size)
        assert 1.2 < up < 10 and 1.2 < down < 10, (up, down)
        netlab.heal(placed)
        up, down = exchange(placed.address, size)
        assert up + down < 1.0, (up, down)
    finally:
        server.kill()
        server.wait(10)


def test_teardown_leaves_nothing(lab: Placement) -> None:
    netlab.teardown()
    netlab.teardown()
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not re.search(r"^hb\d+\b", namespaces, re.MULTILINE), namespaces
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    assert not re.search(r"^\d+: hb[hn]\d+", links, re.MULTILINE), links
    lo = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", "lo"], capture_output=True)
    assert f" {LAB_HOST}/" not in lo.stdout.decode(), lo.stdout
