"""The requests and escrow services running together over the real broker, for saga tests:
both consumers, both relays and the deadline worker, each service on its own database.

They use the contract's topics, so no other HourBank may run on the same broker meanwhile: a
running stack's escrow would answer the saga's requests from its own database (a second hold,
a second refund). `running_saga` stops such a stack first.
"""

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from hourbank_disputes.adapters import tables as dispute_tables
from hourbank_disputes.api.app import create_app as disputes_app
from hourbank_disputes.bootstrap import Disputes
from hourbank_disputes.bootstrap import bootstrap as disputes_bootstrap
from hourbank_disputes.consumers import TOPICS as DISPUTES_TOPICS
from hourbank_disputes.consumers import routes as disputes_routes
from hourbank_disputes.settings import DisputesSettings
from hourbank_escrow.adapters import tables as escrow_tables
from hourbank_escrow.bootstrap import Escrow
from hourbank_escrow.bootstrap import bootstrap as escrow_bootstrap
from hourbank_escrow.consumers import TOPICS as ESCROW_TOPICS
from hourbank_escrow.consumers import routes as escrow_routes
from hourbank_escrow.reconciler import reconcile_once
from hourbank_escrow.settings import EscrowSettings
from hourbank_requests.adapters import tables as request_tables
from hourbank_requests.bootstrap import Requests
from hourbank_requests.bootstrap import bootstrap as requests_bootstrap
from hourbank_requests.consumers import TOPICS as REQUESTS_TOPICS
from hourbank_requests.consumers import routes as requests_routes
from hourbank_requests.deadlines import run_deadlines
from hourbank_requests.domain.members import Member
from hourbank_requests.domain.offerings import Offering, Terms
from hourbank_requests.domain.service_request import Caller, ServiceRequest
from hourbank_requests.handlers import act_on_request, rate_request, submit_request
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import BusinessTime
from hourbank_shared.consumer import ConsumerRunner, Handler
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.contracts.requests import RequestAccepted, RequestSubmitted
from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import ensure_topics
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.migrations import upgrade
from hourbank_shared.process import run_relay
from hourbank_shared.testing.infra import Infra, fresh_database
from hourbank_shared.topics import all_specs
from hourbank_stack.supervisor import running_stack

ROOT = Path(__file__).parents[2]
SECRET = "saga-test-secret-0123456789abcdef"
D = Decimal


@dataclass
class Saga:
    requests: Requests
    escrow: Escrow
    disputes: Disputes
    bootstrap: str = ""
    suffix: str = ""
    """Of this saga's consumer groups and relays, so they never share another's."""
    failing_requesters: set[uuid.UUID] = field(default_factory=set)
    """Members whose `request.submitted` escrow's handler fails on (so it is dead-lettered)."""
    failing_acceptances: set[uuid.UUID] = field(default_factory=set)
    """Requests whose `request.accepted` the disputes consumer fails on."""

    def group(self, service: str) -> str:
        """The service's consumer group, which names its dead-letter and replay topics."""
        return f"{service}-{self.suffix}"

    def projection_sequence(self, request_id: uuid.UUID) -> int | None:
        p = dispute_tables.request_projection
        query = select(p.c.sequence).where(p.c.request_id == request_id)
        with self.disputes.sessions() as session:
            return session.execute(query).scalar()

    def disputes_handled(self, event_id: str) -> bool:
        inbox = dispute_tables.inbox
        query = select(inbox.c.event_id).where(inbox.c.event_id == uuid.UUID(event_id))
        with self.disputes.sessions() as session:
            return session.execute(query).first() is not None

    def hold(self, request_id: uuid.UUID) -> tuple[str | None, str | None] | None:
        """(status, tombstone) of the request's hold in escrow; None if escrow has none."""
        holds = escrow_tables.holds
        query = select(holds.c.status, holds.c.tombstone).where(holds.c.request_id == request_id)
        with self.escrow.sessions() as session:
            row = session.execute(query).first()
        return None if row is None else (row.status, row.tombstone)

    def escrow_handled(self, event_id: str) -> bool:
        """Escrow's consumer claimed the event in its inbox (it ran its handler once)."""
        inbox = escrow_tables.inbox
        query = select(inbox.c.event_id).where(inbox.c.event_id == uuid.UUID(event_id))
        with self.escrow.sessions() as session:
            return session.execute(query).first() is not None

    def disputes_api(self, member: uuid.UUID, *, admin: bool = False) -> TestClient:
        """The disputes service's HTTP API, called with the member's development token."""
        client = TestClient(disputes_app(self.disputes.settings, self.disputes.sessions))
        client.headers["Authorization"] = f"Bearer {dev_token(member, SECRET, admin=admin)}"
        return client

    def disputes_projection(self, request_id: uuid.UUID) -> str | None:
        """The request's status as the disputes service's projection knows it."""
        p = dispute_tables.request_projection
        query = select(p.c.status).where(p.c.request_id == request_id)
        with self.disputes.sessions() as session:
            return session.execute(query).scalar()

    def dispute_status(self, dispute_id: str) -> str | None:
        d = dispute_tables.disputes
        query = select(d.c.status).where(d.c.id == uuid.UUID(dispute_id))
        with self.disputes.sessions() as session:
            return session.execute(query).scalar()

    def register(self, name: str = "member") -> uuid.UUID:
        """A member registered with the requests service; returns once escrow opened the account."""
        member = Member.register(uuid.uuid4(), name, None, ("member",), self._now())
        with self.requests.context.uow() as uow:
            uow.members.save(member)
            uow.publish(member)
            uow.commit()
        self._until(lambda: self._account(member.id) is not None, f"account of {name}")
        return member.id

    def offering(self, provider: uuid.UUID, rate: str = "1.00", window: int = 24) -> uuid.UUID:
        with self.requests.context.uow() as uow:
            member = uow.members.get(provider)
            assert member is not None
            terms = Terms("Help", "Any help", "general", D(rate), window)
            offering = Offering.create(member, terms, self._now())
            uow.offerings.save(offering)
            uow.commit()
        return offering.id

    def submit(self, requester: uuid.UUID, offering: uuid.UUID, hours: str) -> uuid.UUID:
        with self.requests.context.uow() as uow:
            request = submit_request(
                self.requests.context, uow, requester, offering, D(hours), "please"
            )
            uow.commit()
        return request.id

    def act(self, request_id: uuid.UUID, command: Callable[[ServiceRequest], object]) -> None:
        with self.requests.context.uow() as uow:
            act_on_request(uow, request_id, command)
            uow.commit()

    def rate(self, request_id: uuid.UUID, rater: uuid.UUID, score: int) -> None:
        with self.requests.context.uow() as uow:
            rate_request(self.requests.context, uow, request_id, Caller(rater), score, "thanks")
            uow.commit()

    @property
    def time(self) -> BusinessTime:
        return self.requests.context.time

    def wait_status(
        self, request_id: uuid.UUID, status: RequestStatus, timeout: float = 30
    ) -> dict[str, object]:
        self._until(lambda: self.row(request_id)["status"] == status, f"{status}", timeout)
        return self.row(request_id)

    def row(self, request_id: uuid.UUID) -> dict[str, object]:
        query = select(request_tables.requests).where(request_tables.requests.c.id == request_id)
        with self.requests.sessions() as session:
            return dict(session.execute(query).one()._mapping)

    def history(self, request_id: uuid.UUID) -> list[tuple[str, str, str]]:
        h = request_tables.history
        query = select(h.c.to_status, h.c.trigger, h.c.actor).where(h.c.request_id == request_id)
        with self.requests.sessions() as session:
            return [tuple(r) for r in session.execute(query.order_by(h.c.seq))]  # type: ignore[misc]

    def wait_history(self, request_id: uuid.UUID, trigger: str, timeout: float = 30) -> None:
        self._until(
            lambda: trigger in [t for _, t, _ in self.history(request_id)], trigger, timeout
        )

    def refusals(self, request_id: uuid.UUID) -> int:
        """Dispute refusals the requests service put in its outbox for this request."""
        o = request_tables.outbox
        query = select(o.c.id).where(
            o.c.key == str(request_id), o.c.event_type == "hourbank.request.dispute_refused.v1"
        )
        with self.requests.sessions() as session:
            return len(session.execute(query).all())

    def rating_of(self, member_id: uuid.UUID) -> tuple[int, int]:
        """(sum of scores, count) on the member's profile."""
        m = request_tables.members
        query = select(m.c.rating_sum, m.c.rating_count).where(m.c.id == member_id)
        with self.requests.sessions() as session:
            row = session.execute(query).one()
        return row.rating_sum, row.rating_count

    def balance(self, member_id: uuid.UUID) -> tuple[Decimal, Decimal, Decimal]:
        """(total, available, escrowed) in the escrow service."""
        account = self._account(member_id)
        assert account is not None
        return account

    def wait_balance(
        self, member_id: uuid.UUID, expected: tuple[str, str, str], timeout: float = 30
    ) -> None:
        want = tuple(D(v) for v in expected)
        self._until(lambda: self._account(member_id) == want, f"balance {expected}", timeout)

    def reconciled(self) -> bool:
        return reconcile_once(self.escrow.sessions).ok

    def _account(self, member_id: uuid.UUID) -> tuple[Decimal, Decimal, Decimal] | None:
        a = escrow_tables.accounts
        query = select(a.c.total, a.c.escrowed).where(a.c.member_id == member_id)
        with self.escrow.sessions() as session:
            row = session.execute(query).first()
        return None if row is None else (row.total, row.total - row.escrowed, row.escrowed)

    def _now(self) -> datetime:
        return self.requests.context.time.clock.now()

    @staticmethod
    def _until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout}s for {what}")
            time.sleep(0.05)


def failing_on(fails: Callable[[object], bool], route: Handler) -> Handler:
    """The route, failing every attempt on the events `fails` picks (as a bug would)."""

    def handle(envelope: Envelope, event: object) -> None:
        if fails(event):
            raise RuntimeError(f"injected failure on {envelope.type} {envelope.subject}")
        route(envelope, event)

    return handle


@contextmanager
def running_saga(
    infra: Infra,
    time_scale: float,
    escrow_answer_seconds: float = 300,
    principals: Mapping[str, KafkaSecurity] | None = None,
) -> Iterator[Saga]:
    """`principals`: how each service (and `admin`, who creates the topics) authenticates to
    `infra.bootstrap`; None: the `HOURBANK_KAFKA_…` settings of the environment."""

    def security(name: str) -> KafkaSecurity | None:
        return principals[name] if principals is not None else None

    if running_stack() is not None:
        command = [sys.executable, "-m", "hourbank_stack", "stop"]
        subprocess.run(command, check=True, timeout=180)
    ensure_topics(infra.bootstrap, all_specs(), security=security("admin"))
    with ExitStack() as stack:
        requests_url = stack.enter_context(fresh_database(infra, "saga_requests"))
        escrow_url = stack.enter_context(fresh_database(infra, "saga_escrow"))
        disputes_url = stack.enter_context(fresh_database(infra, "saga_disputes"))
        urls = {"requests": requests_url, "escrow": escrow_url, "disputes": disputes_url}
        for name, url in urls.items():
            upgrade(ROOT / f"services/{name}/alembic.ini", url, quiet=True)
        requests = requests_bootstrap(
            RequestsSettings(
                database_url=requests_url,
                jwt_secret=SECRET,
                time_scale=time_scale,
                escrow_answer_seconds=escrow_answer_seconds,
            )
        )
        escrow = escrow_bootstrap(EscrowSettings(database_url=escrow_url, jwt_secret=SECRET))
        disputes = disputes_bootstrap(
            DisputesSettings(database_url=disputes_url, jwt_secret=SECRET)
        )
        suffix = uuid.uuid4().hex[:8]
        failing: set[uuid.UUID] = set()
        routes = escrow_routes(escrow.context)
        routes[RequestSubmitted.TYPE] = failing_on(
            lambda e: isinstance(e, RequestSubmitted) and e.requester_id in failing,
            routes[RequestSubmitted.TYPE],
        )
        failing_acceptances: set[uuid.UUID] = set()
        projection_routes = disputes_routes(disputes.context)
        projection_routes[RequestAccepted.TYPE] = failing_on(
            lambda e: isinstance(e, RequestAccepted) and e.request_id in failing_acceptances,
            projection_routes[RequestAccepted.TYPE],
        )
        consumed = {
            "requests": (REQUESTS_TOPICS, requests_routes(requests.context)),
            "escrow": (ESCROW_TOPICS, routes),
            "disputes": (DISPUTES_TOPICS, projection_routes),
        }
        consumers = [
            ConsumerRunner(
                name=f"{service}-{suffix}",
                bootstrap=infra.bootstrap,
                topics=service_topics,
                routes=service_routes,
                from_end=True,
                security=security(service),
            )
            for service, (service_topics, service_routes) in consumed.items()
        ]
        stop = threading.Event()
        workers = [threading.Thread(target=c.run, args=(stop,)) for c in consumers]
        workers += [
            threading.Thread(
                target=run_relay,
                args=(f"{name}-{suffix}", url, infra.bootstrap, stop),
                kwargs={"security": security(name)},
            )
            for name, url in urls.items()
        ]
        workers.append(threading.Thread(target=run_deadlines, args=(requests.context, stop)))
        for worker in workers:
            worker.start()
        try:
            for consumer in consumers:
                assert consumer.assigned.wait(60), f"{consumer.name} got no partitions"
            yield Saga(
                requests, escrow, disputes, infra.bootstrap, suffix, failing,
                failing_acceptances,
            )  # fmt: skip
        finally:
            stop.set()
            for worker in workers:
                worker.join(30)
            for service in (requests, escrow, disputes):
                service.engine.dispose()
