"""Fault kinds of `hourbank_stack.fault_kinds` injected and healed for real: a process frozen
and thawed; a broker held to 5 % of a core (measured slower); a broker's log directory filled
(Kafka shuts down; freed, it is started again and serves, its messages kept). The clock jump
is in test_clock_jump.py.

The broker faults hit a broker of their own: a second `infra/hb-infra` broker with its own
state directory, ports and a 64 MB tmpfs, started for this module and stopped after it (`down`
unmounts the tmpfs). The shared broker is never slowed, filled or moved to a tmpfs, so the
rest of the suite keeps its topics where it expects them. Still, run this module under the
stack lock (`flock /tmp/hb-stack.lock`), as everything that injects faults.

Under CI=true a capability the machine lacks (root, the cgroup v1 cpu controller, a tmpfs
mount) fails the test; elsewhere it skips, saying why.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from hourbank_shared.kafka import TopicSpec, ensure_topics, watermarks
from hourbank_shared.testing.serving import free_port
from hourbank_stack.fault_kinds import (
    BROKER_GROUP,
    CPU_CONTROLLER,
    FILLER,
    INFRA,
    FaultUnavailable,
    broker_pid,
    fill_broker_disk,
    free_broker_disk,
    freeze,
    thaw,
    throttle_broker,
    unthrottle_broker,
)

pytestmark = pytest.mark.integration

TMPFS_MB = 64


def need(ok: bool, why: str) -> None:
    """Under CI a missing capability fails; elsewhere the test is skipped, saying why."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


def is_mountpoint(path: Path) -> bool:
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    return any(line.split()[1] == str(path) for line in mounts)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """hb-infra's environment for a broker of this module's own, on a tmpfs."""
    need(os.geteuid() == 0, "root is needed: a tmpfs mount and cgroups")
    state = tmp_path_factory.mktemp("own-broker")
    env = {
        **os.environ,
        "HOURBANK_STATE_DIR": str(state),
        "HOURBANK_KAFKA_PORT": str(free_port()),
        "HOURBANK_KAFKA_CONTROLLER_PORT": str(free_port()),
        "HOURBANK_KAFKA_LAB_PORT": str(free_port()),  # while the fault lab's address is up
        "HOURBANK_KAFKA_TMPFS_MB": str(TMPFS_MB),
    }
    up = subprocess.run([str(INFRA), "up", "kafka"], env=env, capture_output=True, text=True)
    data = state / "kafka" / "data"
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert is_mountpoint(data)
        yield env
    finally:
        unthrottle_broker()
        down = subprocess.run([str(INFRA), "down", "kafka"], env=env, capture_output=True)
        assert down.returncode == 0, down.stderr
        assert not is_mountpoint(data)
        shutil.rmtree(state)


def bootstrap_of(env: dict[str, str]) -> str:
    return f"127.0.0.1:{env['HOURBANK_KAFKA_PORT']}"


def produce(bootstrap: str, topic: str, count: int, timeout_ms: int = 10_000) -> list[bool]:
    """`count` small messages, each sent alone with acks=all and waited for: delivered?"""
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 0,
            "message.timeout.ms": timeout_ms,
            "log_level": 0,
        }
    )
    delivered: list[bool] = []
    for _ in range(count):
        producer.produce(topic, b"x" * 50, on_delivery=lambda e, _: delivered.append(e is None))
        producer.flush(timeout_ms / 1000 + 5)
    return delivered


def timed(bootstrap: str, topic: str, count: int = 200) -> float:
    produce(bootstrap, topic, 1)  # connected, metadata known
    began = time.monotonic()
    assert all(produce(bootstrap, topic, count))
    return time.monotonic() - began


def high_watermark(bootstrap: str, topic: str) -> int:
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": f"hw-{uuid.uuid4().hex}"})
    try:
        return watermarks(reader, TopicPartition(topic, 0))[1]
    finally:
        reader.close()


def test_a_frozen_process_does_nothing_until_thawed(tmp_path: Path) -> None:
    beats = tmp_path / "beats"
    beat = "import sys, time\nwhile True:\n open(sys.argv[1], 'a').write('.')\n time.sleep(0.02)"
    child = subprocess.Popen([sys.executable, "-c", beat, str(beats)])
    try:
        while not beats.exists():
            time.sleep(0.05)
        assert freeze(child.pid)
        time.sleep(0.2)
        frozen = beats.stat().st_size
        time.sleep(1.0)
        assert beats.stat().st_size == frozen
        assert thaw(child.pid)
        time.sleep(0.5)
        assert beats.stat().st_size > frozen + 5
    finally:
        child.kill()
        child.wait()
    assert not freeze(child.pid)  # gone: nothing to do, no error
    assert not thaw(child.pid)


def test_a_throttled_broker_answers_slower(broker: dict[str, str]) -> None:
    need(
        (CPU_CONTROLLER / "cpu.cfs_quota_us").exists(),
        f"no cgroup v1 cpu controller at {CPU_CONTROLLER}",
    )
    bootstrap, topic = bootstrap_of(broker), "paced"
    ensure_topics(bootstrap, [TopicSpec(topic, 1)])
    pid = broker_pid(broker)
    assert pid is not None
    group = CPU_CONTROLLER / BROKER_GROUP
    free = timed(bootstrap, topic)
    try:
        said = throttle_broker(5, broker)
        threads = set(os.listdir(f"/proc/{pid}/task"))
        assert threads <= set((group / "tasks").read_text().split())  # every thread moved
        slow = timed(bootstrap, topic)
        stats = dict(line.split() for line in (group / "cpu.stat").read_text().splitlines())
    finally:
        healed = unthrottle_broker()
    again = timed(bootstrap, topic)
    print(f"200 acks=all sends: {free:.2f} s, throttled {slow:.2f} s, after {again:.2f} s")
    assert said == f"Kafka (pid {pid}) held to 5 % of a core"
    assert healed == f"pid {pid} unthrottled"
    assert int(stats["nr_throttled"]) > 0
    assert slow > 5 * max(free, again)
    assert not group.exists()
    assert str(pid) in (CPU_CONTROLLER / "cgroup.procs").read_text().split()


FULL_DISK_STOPS = ("Shutdown broker because all log dirs", "Unexpected error in raft IO thread")
"""What Kafka logs when a full disk stops it: its log directory went offline, or its metadata
log could not be written."""


def test_a_full_log_directory_stops_the_broker_and_freeing_it_brings_it_back(
    broker: dict[str, str],
) -> None:
    bootstrap, topic = bootstrap_of(broker), "filled"
    ensure_topics(bootstrap, [TopicSpec(topic, 1)])
    assert all(produce(bootstrap, topic, 5))
    pid = broker_pid(broker)
    data = Path(broker["HOURBANK_STATE_DIR"]) / "kafka" / "data"

    said = fill_broker_disk(broker)
    assert os.statvfs(data).f_bavail == 0
    # the first write Kafka cannot make stops it: a partition's write takes its only log
    # directory offline, or a write of the metadata log is a fatal fault of the raft thread
    # (which one comes first is a race between the two)
    sent: list[bool] = []
    give_up = time.monotonic() + 60
    while broker_pid(broker) is not None and time.monotonic() < give_up:
        sent += produce(bootstrap, topic, 1, timeout_ms=2000)
    log = (Path(broker["HOURBANK_STATE_DIR"]) / "logs" / "kafka-server.log").read_text()
    print(said, f"| sends until it stopped: {sent}")
    assert broker_pid(broker) is None
    assert any(reason in log for reason in FULL_DISK_STOPS), log[-2000:]
    assert produce(bootstrap, topic, 1, timeout_ms=2000) == [False]

    healed = free_broker_disk(broker)
    assert healed == "disk freed; the broker had shut down, started again (exit code 0)"
    assert not (data / FILLER).exists()
    assert broker_pid(broker) not in (None, pid)
    assert all(produce(bootstrap, topic, 5))
    assert high_watermark(bootstrap, topic) >= 10  # the messages before the fill are kept
    assert free_broker_disk(broker) == "disk freed; the broker kept running"


def test_filling_refuses_a_log_directory_that_is_not_a_tmpfs(tmp_path: Path) -> None:
    data = tmp_path / "kafka" / "data"
    data.mkdir(parents=True)
    with pytest.raises(FaultUnavailable, match="HOURBANK_KAFKA_TMPFS_MB"):
        fill_broker_disk({"HOURBANK_STATE_DIR": str(tmp_path)})
    assert list(data.iterdir()) == []
