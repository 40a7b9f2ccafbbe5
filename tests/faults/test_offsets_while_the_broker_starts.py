"""Found by the fault campaign: every relay of a lab stack on a new broker died with SIGSEGV.

A relay's lag gauge reads each consumer group's committed offsets. Through the AdminClient
(`list_consumer_group_offsets`), an answer of NOT_COORDINATOR, which a broker gives while its
group coordinator loads (at start, after a crash), makes librdkafka 2.x dereference a null
group handle on its main thread. `AdminOffsets.committed` now asks through a consumer of the
group's id instead. Here a process keeps asking for offsets while a broker of this test's own
is killed and started again; it must live through it.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hourbank_shared.testing.serving import free_port
from hourbank_stack.fault_kinds import broker_pid

pytestmark = pytest.mark.integration
INFRA = Path(__file__).resolve().parents[2] / "infra" / "hb-infra"
ASKING_SECONDS = 40

ASK = """
import sys, time, uuid
from confluent_kafka import KafkaException
from hourbank_shared.kafka_offsets import AdminOffsets

offsets = AdminOffsets(sys.argv[1], timeout=1.0)
ends = time.monotonic() + float(sys.argv[2])
asked = 0
while time.monotonic() < ends:
    try:  # a new group each time: its coordinator is looked up anew
        offsets.committed(f"campaign-{uuid.uuid4().hex[:8]}", [("hourbank.requests.v1", 0)])
    except KafkaException:
        pass  # an error answer is fine; dying is not
    asked += 1
print(asked)
"""


@pytest.fixture
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """hb-infra's environment for a broker of this test's own (its own state and ports)."""
    state = tmp_path_factory.mktemp("own-broker")
    env = {
        **os.environ,
        "HOURBANK_STATE_DIR": str(state),
        "HOURBANK_KAFKA_PORT": str(free_port()),
        "HOURBANK_KAFKA_CONTROLLER_PORT": str(free_port()),
        "HOURBANK_KAFKA_LAB_PORT": str(free_port()),
    }
    up = subprocess.run([str(INFRA), "up", "kafka"], env=env, capture_output=True, text=True)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield env
    finally:
        subprocess.run([str(INFRA), "down", "kafka"], env=env, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def test_reading_offsets_lives_through_a_broker_that_crashes_and_starts_again(
    own_broker: dict[str, str],
) -> None:
    bootstrap = f"127.0.0.1:{own_broker['HOURBANK_KAFKA_PORT']}"
    asking = subprocess.Popen(
        [sys.executable, "-c", ASK, bootstrap, str(ASKING_SECONDS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for _ in range(3):  # each start loads the coordinators again: NOT_COORDINATOR meanwhile
            time.sleep(2)
            pid = broker_pid(own_broker)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            while broker_pid(own_broker) is not None:
                time.sleep(0.1)
            up = subprocess.run([str(INFRA), "up", "kafka"], env=own_broker, capture_output=True)
            assert up.returncode == 0, up.stderr
        out, _ = asking.communicate(timeout=ASKING_SECONDS + 60)
    finally:
        asking.kill()
    assert asking.returncode == 0, f"the asking process died ({asking.returncode})"
    assert int(out) > 0
