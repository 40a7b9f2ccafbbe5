"""A report an admin resolved reaches the requests service, which owns offerings and members
and carries the action out: against the real PostgreSQL, the event fed to the consumer's routes
as Kafka would deliver it."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_requests.api import create_app
from hourbank_requests.consumers import routes
from hourbank_requests.handlers import Context
from hourbank_requests.settings import RequestsSettings
from hourbank_requests.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import BusinessTime, FixedClock
from hourbank_shared.contracts.enums import ReportAction, ReportReason, ReportStatus, ReportSubject
from hourbank_shared.contracts.reports import ReportResolved
from hourbank_shared.envelope import Envelope

from .test_members_api import NOW, SECRET, auth, register, sessions

pytestmark = pytest.mark.integration
__all__ = ["sessions"]  # the fixtures this module uses

ADMIN = uuid4()


@dataclass
class Moderated:
    client: TestClient
    sessions: sessionmaker[Session]
    ctx: Context

    def member(self) -> UUID:
        member_id = uuid4()
        assert register(self.client, member_id).status_code == 201
        return member_id

    def offering(self, provider: UUID) -> UUID:
        body = {"title": "Garden help", "category": "garden"}
        response = self.client.post("/v1/offerings", json=body, headers=auth(provider))
        assert response.status_code == 201, response.text
        return UUID(response.json()["id"])

    def resolved(self, action: ReportAction, subject_type: ReportSubject, subject_id: UUID,
                 subject_member_id: UUID | None) -> Envelope:  # fmt: skip
        """The disputes service's `report.resolved` reaches the requests consumer."""
        event = ReportResolved(
            report_id=uuid4(), reporter_id=uuid4(), subject_type=subject_type,
            subject_id=subject_id, subject_member_id=subject_member_id,
            reason=ReportReason.FRAUD, status=ReportStatus.RESOLVED, action=action,
            admin_id=ADMIN, note="asks for payment outside the bank",
        )  # fmt: skip
        envelope = Envelope.wrap(event, source="/hourbank/disputes")
        self.deliver(envelope)
        return envelope

    def deliver(self, envelope: Envelope) -> None:
        event = ReportResolved.model_validate(envelope.data)
        routes(self.ctx)[envelope.type](envelope, event)

    def written(self, key: UUID) -> list[dict[str, Any]]:
        """The envelopes on the outbox for this key (member or provider), oldest first."""
        query = (
            select(tables.outbox.c.payload)
            .where(tables.outbox.c.key == str(key))
            .order_by(tables.outbox.c.id)
        )
        with self.sessions() as session:
            return [json.loads(payload) for payload in session.execute(query).scalars()]

    def status_of(self, path: str, viewer: UUID) -> str:
        response = self.client.get(path, headers=auth(viewer, admin=True))
        assert response.status_code == 200, response.text
        status: str = response.json()["status"]
        return status


@pytest.fixture
def moderated(database_url: str, sessions: sessionmaker[Session]) -> Iterator[Moderated]:
    settings = RequestsSettings(database_url=database_url, jwt_secret=SECRET)
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, sessions, clock)) as client:
        ctx = Context(uow=lambda: SqlUnitOfWork(sessions), time=BusinessTime(clock))
        yield Moderated(client, sessions, ctx)


def test_a_withdraw_decision_withdraws_the_offering_once(moderated: Moderated) -> None:
    provider = moderated.member()
    offering = moderated.offering(provider)
    before = len(moderated.written(provider))

    decision = moderated.resolved(
        ReportAction.WITHDRAW_OFFERING, ReportSubject.OFFERING, offering, provider
    )
    moderated.deliver(decision)  # a redelivery: the inbox skips it

    assert moderated.status_of(f"/v1/offerings/{offering}", ADMIN) == "WITHDRAWN"
    [withdrawn] = moderated.written(provider)[before:]
    assert withdrawn["type"] == "hourbank.offering.withdrawn.v1"
    assert withdrawn["causationid"] == str(decision.id)
    assert withdrawn["data"]["by_admin"] is True
    assert withdrawn["data"]["withdrawn_by"] == str(ADMIN)
    assert (
        withdrawn["data"]["reason"] == "After a report (FRAUD): asks for payment outside the bank"
    )


def test_a_suspend_decision_on_an_offering_suspends_its_provider_as_requests_knows_them(
    moderated: Moderated,
) -> None:
    provider = moderated.member()
    offering = moderated.offering(provider)

    # disputes had not seen the offering yet: the requests service knows its provider
    decision = moderated.resolved(
        ReportAction.SUSPEND_MEMBER, ReportSubject.OFFERING, offering, None
    )

    assert moderated.status_of(f"/v1/members/{provider}", provider) == "SUSPENDED"
    assert moderated.status_of(f"/v1/offerings/{offering}", ADMIN) == "APPROVED"
    suspended = moderated.written(provider)[-1]
    assert suspended["type"] == "hourbank.member.suspended.v1"
    assert suspended["causationid"] == str(decision.id)
    assert suspended["data"]["by_admin_id"] == str(ADMIN)
    assert suspended["data"]["reason"].startswith("After a report (FRAUD): ")


def test_a_suspend_decision_on_a_member_suspends_them_and_a_second_changes_nothing(
    moderated: Moderated,
) -> None:
    member = moderated.member()

    moderated.resolved(ReportAction.SUSPEND_MEMBER, ReportSubject.MEMBER, member, member)
    after_first = len(moderated.written(member))
    moderated.resolved(ReportAction.SUSPEND_MEMBER, ReportSubject.MEMBER, member, member)

    assert moderated.status_of(f"/v1/members/{member}", member) == "SUSPENDED"
    assert len(moderated.written(member)) == after_first


def test_a_dismissal_and_an_unknown_subject_change_nothing(moderated: Moderated) -> None:
    member = moderated.member()
    before = len(moderated.written(member))

    moderated.resolved(ReportAction.DISMISS, ReportSubject.MEMBER, member, member)
    nobody = uuid4()
    moderated.resolved(ReportAction.SUSPEND_MEMBER, ReportSubject.MEMBER, nobody, nobody)
    moderated.resolved(ReportAction.WITHDRAW_OFFERING, ReportSubject.OFFERING, uuid4(), None)

    assert moderated.status_of(f"/v1/members/{member}", member) == "ACTIVE"
    assert len(moderated.written(member)) == before
    assert moderated.written(nobody) == []
