"""A whole lifecycle, a dispute included, over the secure broker (SASL_SSL, ACLs): requests,
escrow and disputes each connect as their own principal, and the notifications faust worker and
relay as theirs. Nothing here may publish or read beyond `hourbank_shared.kafka_access`."""

import os
import secrets
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_notifications.adapters import tables as notification_tables
from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import run_relay
from hourbank_shared.testing.infra import Infra, fresh_database
from hourbank_shared.testing.secure_kafka import SecureKafka
from hourbank_shared.topic_reader import end_offsets, read_all

from .harness import ROOT, D, Saga, running_saga
from .test_disputes_service_saga import decide, open_dispute, started

pytestmark = pytest.mark.integration
SERVICES = ("admin", "requests", "escrow", "disputes")


@pytest.fixture(scope="module")
def saga(infra: Infra, secure_kafka: SecureKafka) -> Iterator[Saga]:
    principals = {name: secure_kafka.security(name) for name in SERVICES}
    secure = Infra(secure_kafka.bootstrap, infra.admin_url)
    with running_saga(secure, time_scale=3600, principals=principals) as running:
        yield running


@pytest.fixture(scope="module")
def notifications(
    infra: Infra, secure_kafka: SecureKafka, saga: Saga, tmp_path_factory: pytest.TempPathFactory
) -> Iterator["Notifications"]:
    """The faust worker (a process) and the relay of the notifications service, as its
    principal, on their own database."""
    with fresh_database(infra, "saga_notifications") as url:
        upgrade(ROOT / "services/notifications/alembic.ini", url, quiet=True)
        group = f"hourbank-notifications-secure-{uuid.uuid4().hex[:8]}"
        environment = {
            **os.environ,
            **secure_kafka.environment("notifications"),
            "HOURBANK_NOTIFICATIONS_DATABASE_URL": url,
            "HOURBANK_JWT_SECRET": secrets.token_hex(32),
        }
        log = tmp_path_factory.mktemp("notifications") / "worker.log"
        command = [sys.executable, "-m", "hourbank_notifications", "worker", "--group", group,
                   "--metrics-port", "0"]  # fmt: skip
        stop = threading.Event()
        relay = threading.Thread(
            target=run_relay,
            args=(f"notifications-{group[-8:]}", url, secure_kafka.bootstrap, stop),
            kwargs={"security": secure_kafka.security("notifications")},
        )
        with log.open("wb") as out:
            worker = subprocess.Popen(command, env=environment, stdout=out, stderr=out)
        relay.start()
        engine = make_engine(url, pool_size=2)
        try:
            yield Notifications(session_factory(engine), worker, log)
        finally:
            stop.set()
            relay.join(30)
            worker.terminate()
            worker.wait(30)
            engine.dispose()


@dataclass
class Notifications:
    sessions: sessionmaker[Session]
    worker: subprocess.Popen[bytes]
    log: Path

    def types_of(self, member: uuid.UUID) -> set[str]:
        n = notification_tables.notifications.c
        query = select(n.type).where(n.member_id == member)
        with self.sessions() as session:
            return set(session.scalars(query))


def test_a_lifecycle_with_a_dispute_runs_over_sasl_ssl_with_a_principal_per_service(
    saga: Saga, notifications: Notifications, secure_kafka: SecureKafka
) -> None:
    admin = secure_kafka.security("admin")
    published_before = end_offsets(saga.bootstrap, topics.NOTIFICATIONS, admin)

    # one request paid the ordinary way
    alice, bob = saga.register("Alice"), saga.register("Bob")
    by_alice, by_bob, t = Caller(alice), Caller(bob), saga.time
    paid = saga.submit(alice, saga.offering(bob, window=72), "1.00")
    saga.wait_status(paid, S.AWAITING_RESPONSE)
    saga.act(paid, lambda r: r.accept(by_bob, t))
    saga.act(paid, lambda r: r.report_start(by_bob, t))
    saga.act(paid, lambda r: r.confirm_start(by_alice, t))
    saga.act(paid, lambda r: r.report_completion(by_bob, D("1.00"), t))
    saga.act(paid, lambda r: r.confirm_completion(by_alice, t))
    saga.wait_status(paid, S.PAID)
    saga.wait_balance(bob, ("4.00", "4.00", "0.00"))

    # one disputed through the disputes service's API and settled by a split
    request, carol, dave = started(saga)
    opened = open_dispute(saga, request, carol)
    assert opened.status_code == 201, opened.text
    dispute = opened.json()["id"]
    saga.wait_status(request, S.DISPUTED)
    body = {"resolution": "SPLIT", "provider_hours": "0.75", "note": "half done"}
    saga._until(
        lambda: (
            decide(saga, dispute, "resolve", body).status_code == 200
            or saga.dispute_status(dispute) == "RESOLVED"
        ),
        "the resolution",
    )
    saga.wait_status(request, S.SETTLED)
    saga.wait_balance(carol, ("2.25", "2.25", "0.00"))
    saga.wait_balance(dave, ("3.75", "3.75", "0.00"))
    assert saga.reconciled()

    # the notifications worker read every topic it needs as its principal, and its relay
    # published what it created
    saga._until(
        lambda: (
            (
                "REQUEST_RECEIVED" in notifications.types_of(bob)
                and "DISPUTE_RESOLVED" in notifications.types_of(carol)
                and "DISPUTE_RESOLVED" in notifications.types_of(dave)
            )
            or notifications.worker.poll() is not None
        ),
        "the notifications of both requests",
        timeout=90,
    )
    assert notifications.worker.poll() is None, notifications.log.read_text()[-3000:]
    created = read_all(
        saga.bootstrap, topics.NOTIFICATIONS, 1, 60, since=published_before, security=admin
    )
    assert created, "the notifications relay published nothing"
