"""Each service's API on a freshly migrated database, with a member, an admin and a few rows
for the path parameters to find (an offering, a request, a dispute, a notification)."""

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from anyio.from_thread import BlockingPortal
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes import api as disputes_api
from hourbank_disputes.consumers import routes as disputes_routes
from hourbank_disputes.settings import DisputesSettings
from hourbank_escrow import api as escrow_api
from hourbank_escrow.domain import Ledger, open_account
from hourbank_escrow.settings import EscrowSettings
from hourbank_escrow.unit_of_work import SqlUnitOfWork as EscrowUnitOfWork
from hourbank_notifications import api as notifications_api
from hourbank_notifications.handlers import Context as NotificationsContext
from hourbank_notifications.handlers import notify
from hourbank_notifications.settings import NotificationsSettings
from hourbank_notifications.unit_of_work import SqlUnitOfWork as NotificationsUnitOfWork
from hourbank_requests import api as requests_api
from hourbank_requests.settings import RequestsSettings
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import SystemClock
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.envelope import Envelope

from .driver import Call, Driver

SECRET = "fuzz-secret-" + "x" * 32
SERVICES = Path(__file__).resolve().parents[2] / "services"
LATER = datetime.now(UTC) + timedelta(days=30)


@dataclass
class Target:
    """One service's app, the tokens to call it with and the ids its rows have."""

    name: str
    app: FastAPI
    driver: Driver
    member: uuid.UUID = field(default_factory=uuid.uuid4)
    admin: uuid.UUID = field(default_factory=uuid.uuid4)
    ids: dict[str, list[str]] = field(default_factory=dict)
    """Known ids by the name of the parameter or field that takes them."""

    @property
    def member_token(self) -> str:
        return dev_token(self.member, SECRET)

    @property
    def admin_token(self) -> str:
        return dev_token(self.admin, SECRET, admin=True)

    def tokens(self) -> list[str]:
        return [self.member_token, self.admin_token]


def alembic_ini(service: str) -> Path:
    return SERVICES / service / "alembic.ini"


def _submitted(member: uuid.UUID, admin: uuid.UUID, request_id: uuid.UUID) -> req.RequestSubmitted:
    return req.RequestSubmitted(
        request_id=request_id, requester_id=member, provider_id=admin, offering_id=uuid.uuid4(),
        status=RequestStatus.INITIATED, offering_title="Garden", hours=Decimal("2.00"),
        rate=Decimal("1.00"), amount=Decimal("2.00"), message="", submitted_at=datetime.now(UTC),
    )  # fmt: skip


def requests_target(url: str, sessions: sessionmaker[Session], portal: BlockingPortal) -> Target:
    app = requests_api.create_app(RequestsSettings(database_url=url, jwt_secret=SECRET), sessions)
    target = Target("requests", app, Driver(app, portal))
    call = target.driver
    for token in target.tokens():
        assert call(Call("POST", "/v1/members", body={"display_name": "Fuzz"}), token).status == 201
    offering = call(
        Call("POST", "/v1/offerings", body={"title": "Garden", "category": "garden"}),
        target.admin_token,
    )
    assert offering.status == 201, offering.describe()
    offering_id = offering.json()["id"]
    submitted = call(
        Call("POST", "/v1/requests", body={"offering_id": offering_id, "hours": "1.00"}),
        target.member_token,
    )
    assert submitted.status == 201, submitted.describe()
    target.ids = {
        "member_id": [str(target.member), str(target.admin)],
        "offering_id": [offering_id],
        "request_id": [submitted.json()["id"]],
    }
    return target


def escrow_target(url: str, sessions: sessionmaker[Session], portal: BlockingPortal) -> Target:
    app = escrow_api.create_app(EscrowSettings(database_url=url, jwt_secret=SECRET), sessions)
    target = Target("escrow", app, Driver(app, portal))
    for member_id in (target.member, target.admin):
        with EscrowUnitOfWork(sessions) as uow:
            ledger = Ledger(uow.accounts.lock([member_id]), now=datetime.now(UTC))
            open_account(member_id, ledger)
            uow.save(ledger)
            uow.commit()
    target.ids = {"member_id": [str(target.member), str(target.admin)]}
    return target


def disputes_target(url: str, sessions: sessionmaker[Session], portal: BlockingPortal) -> Target:
    app = disputes_api.create_app(DisputesSettings(database_url=url, jwt_secret=SECRET), sessions)
    # an unknown request is not waited for: a random request id is accepted PENDING at once
    app.state.context = dataclasses.replace(app.state.context, wait_for_request_seconds=0.0)
    target = Target("disputes", app, Driver(app, portal))
    request_id = uuid.uuid4()
    event = _submitted(target.member, target.admin, request_id)
    disputes_routes(app.state.context)[event.TYPE](
        Envelope.wrap(event, source="/hourbank/requests"), event
    )
    body = {"request_id": str(request_id), "type": "NO_SHOW", "description": "never came"}
    opened = target.driver(Call("POST", "/v1/disputes", body=body), target.member_token)
    assert opened.status == 201, opened.describe()
    target.ids = {"request_id": [str(request_id)], "dispute_id": [opened.json()["id"]]}
    return target


def notifications_target(
    url: str, sessions: sessionmaker[Session], portal: BlockingPortal
) -> Target:
    app = notifications_api.create_app(
        NotificationsSettings(database_url=url, jwt_secret=SECRET), sessions
    )
    target = Target("notifications", app, Driver(app, portal))
    event = req.RequestAwaitingResponse(
        request_id=uuid.uuid4(), requester_id=target.admin, provider_id=target.member,
        offering_id=uuid.uuid4(), status=RequestStatus.AWAITING_RESPONSE,
        amount=Decimal("2.00"), deadline=LATER,
    )  # fmt: skip
    envelope = Envelope.wrap(event, source="/hourbank/requests")
    ctx = NotificationsContext(uow=lambda: NotificationsUnitOfWork(sessions), clock=SystemClock())
    created = notify(ctx, envelope, event)
    assert created, "the provider is told of a request awaiting their answer"
    target.ids = {"notification_id": [str(i) for i in created]}
    return target


BUILDERS: dict[str, Callable[[str, sessionmaker[Session], BlockingPortal], Target]] = {
    "requests": requests_target,
    "escrow": escrow_target,
    "disputes": disputes_target,
    "notifications": notifications_target,
}
