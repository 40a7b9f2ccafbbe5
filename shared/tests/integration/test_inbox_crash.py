"""A consumer killed after its database commit but before its offset commit applies once."""

import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from confluent_kafka import Producer

from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import base_config
from hourbank_shared.settings import libpq_url
from hourbank_shared.testing.infra import Infra

APP = [sys.executable, "-m", "hourbank_shared.testing.inbox_app"]


def counts(database_url: str) -> dict[uuid.UUID, int]:
    with psycopg.connect(libpq_url(database_url)) as conn:
        return dict(conn.execute("SELECT member_id, count FROM effects").fetchall())


def wait_for(predicate: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_redelivery_after_a_crash_between_db_commit_and_offset_commit_is_a_no_op(
    infra: Infra, database_url: str, new_topic: Any
) -> None:
    topic = new_topic("inbox", partitions=1)
    name = f"inbox{uuid.uuid4().hex[:8]}"
    members = [uuid.uuid4() for _ in range(8)]
    envelopes = [
        Envelope.wrap(
            MemberRegistered(
                member_id=m, display_name="M", roles=["member"], registered_at=datetime.now(UTC)
            ),
            source="/hourbank/test",
        )
        for m in members
    ]
    producer = Producer(base_config(infra.bootstrap, "inbox-crash-test"))
    for envelope in envelopes:
        producer.produce(topic, key=b"k", value=envelope.to_json())
    producer.flush(10)

    args = [name, topic, database_url, infra.bootstrap]
    crashed = subprocess.run([*APP, *args, "5"], capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 137, crashed.stderr[-2000:]
    assert f"APPLIED {envelopes[4].id}" in crashed.stdout

    # the crashed run may have applied all of them in one batch: the survivor is done once
    # it has seen every one, applied or as a duplicate
    survivor = subprocess.Popen([*APP, *args], stdout=subprocess.PIPE, text=True)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(line.strip() for line in survivor.stdout))
    reader.start()
    ids = {str(envelope.id) for envelope in envelopes}
    try:
        wait_for(lambda: {line.split()[-1] for line in seen} >= ids, 60)
    finally:
        survivor.terminate()
        survivor.wait(timeout=30)
        reader.join(10)
    assert f"DUPLICATE {envelopes[4].id}" in seen, "the crashed message was not redelivered"
    assert counts(database_url) == dict.fromkeys(members, 1)
