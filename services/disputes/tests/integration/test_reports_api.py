"""The reports API against the real PostgreSQL, with development tokens; offering events are fed
to the consumer's routes as Kafka would deliver them."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_disputes.adapters import tables as t
from hourbank_disputes.api import create_app
from hourbank_disputes.consumers import routes
from hourbank_disputes.handlers import Context
from hourbank_disputes.settings import DisputesSettings
from hourbank_disputes.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import FixedClock
from hourbank_shared.contracts.enums import OfferingStatus
from hourbank_shared.contracts.offerings import OfferingCreated
from hourbank_shared.envelope import Envelope

from .story import published
from .test_disputes_api import NOW, SECRET, auth, problem

pytestmark = pytest.mark.integration

ADMIN = uuid4()


@dataclass
class Moderation:
    client: TestClient
    sessions: sessionmaker[Session]
    ctx: Context

    def report(self, who: UUID, subject_type: str, subject_id: UUID, **headers: str) -> Response:
        body = {"subject_type": subject_type, "subject_id": str(subject_id), "reason": "SPAM",
                "text": "sells nothing, links elsewhere"}  # fmt: skip
        response: Response = self.client.post("/v1/reports", json=body, headers=auth(who) | headers)
        return response

    def filed(self, who: UUID, subject_type: str, subject_id: UUID) -> dict[str, Any]:
        response = self.report(who, subject_type, subject_id)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def resolve(self, report_id: str, action: str, *, by: UUID = ADMIN, admin: bool = True
                ) -> Response:  # fmt: skip
        response: Response = self.client.post(
            f"/v1/reports/{report_id}/resolve", json={"action": action, "note": "checked"},
            headers=auth(by, admin=admin),
        )  # fmt: skip
        return response

    def offering_created(self, offering_id: UUID, provider_id: UUID) -> None:
        """The disputes consumer reads the offering's first event."""
        event = OfferingCreated(
            offering_id=offering_id, provider_id=provider_id, status=OfferingStatus.APPROVED,
            sequence=0, title="Garden help", description="", category="garden", rate="1.00",
            response_window_hours=24, created_at=NOW,
        )  # fmt: skip
        envelope = Envelope.wrap(event, source="/hourbank/requests")
        routes(self.ctx)[event.TYPE](envelope, event)

    def listed(self, who: UUID, *, admin: bool = False, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get("/v1/reports", params=params, headers=auth(who, admin=admin))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def moderation(migrated_url: str, sessions: sessionmaker[Session]) -> Iterator[Moderation]:
    settings = DisputesSettings(database_url=migrated_url, jwt_secret=SECRET)
    clock = FixedClock(NOW)
    with TestClient(create_app(settings, sessions, clock)) as client:
        ctx = Context(uow=lambda: SqlUnitOfWork(sessions), clock=clock)
        yield Moderation(client, sessions, ctx)


def events_of(moderation: Moderation, kind: str) -> list[dict[str, Any]]:
    return [
        e.data for e in published(moderation.sessions) if e.type == f"hourbank.report.{kind}.v1"
    ]


# filing ----------------------------------------------------------------------------------


def test_a_member_reports_a_member(moderation: Moderation) -> None:
    reporter, reported = uuid4(), uuid4()
    report = moderation.filed(reporter, "MEMBER", reported)

    assert report == {
        "id": report["id"], "reporter_id": str(reporter), "subject_type": "MEMBER",
        "subject_id": str(reported), "subject_member_id": str(reported), "reason": "SPAM",
        "text": "sells nothing, links elsewhere", "status": "OPEN", "action": None,
        "note": None, "created_at": "2026-03-01T12:00:00Z", "resolved_at": None,
        "resolved_by": None,
    }  # fmt: skip
    [event] = events_of(moderation, "filed")
    assert event == {
        "report_id": report["id"], "reporter_id": str(reporter), "subject_type": "MEMBER",
        "subject_id": str(reported), "subject_member_id": str(reported), "reason": "SPAM",
        "status": "OPEN", "text": "sells nothing, links elsewhere",
    }  # fmt: skip


def test_an_offering_report_names_its_provider_from_the_offering_events(
    moderation: Moderation,
) -> None:
    offering, provider = uuid4(), uuid4()
    moderation.offering_created(offering, provider)

    report = moderation.filed(uuid4(), "OFFERING", offering)

    assert report["subject_member_id"] == str(provider)


def test_reporting_oneself_or_ones_own_offering_is_refused(moderation: Moderation) -> None:
    me, my_offering = uuid4(), uuid4()
    moderation.offering_created(my_offering, me)

    myself = problem(moderation.report(me, "MEMBER", me), 422)
    mine = problem(moderation.report(me, "OFFERING", my_offering), 422)

    assert myself["detail"] == "subject_id: you cannot report yourself"
    assert mine["detail"] == "subject_id: you cannot report your own offering"
    assert events_of(moderation, "filed") == []


def test_an_offering_not_seen_yet_is_reported_and_its_provider_named_later(
    moderation: Moderation,
) -> None:
    offering, provider = uuid4(), uuid4()
    report = moderation.filed(uuid4(), "OFFERING", offering)  # waits its moment, then files
    assert report["subject_member_id"] is None

    moderation.offering_created(offering, provider)
    moderation.offering_created(offering, uuid4())  # a provider never changes: the first stays

    shown = moderation.client.get(
        f"/v1/reports/{report['id']}", headers=auth(ADMIN, admin=True)
    ).json()  # fmt: skip
    assert shown["subject_member_id"] == str(provider)
    with moderation.sessions() as session:
        known = session.execute(select(t.offering_providers)).all()
    assert [(row.offering_id, row.provider_id) for row in known] == [(offering, provider)]


def test_a_second_report_on_the_same_subject_collapses_while_the_first_is_open(
    moderation: Moderation,
) -> None:
    reporter, reported = uuid4(), uuid4()
    first = moderation.filed(reporter, "MEMBER", reported)

    again = moderation.report(reporter, "MEMBER", reported)
    by_someone_else = moderation.filed(uuid4(), "MEMBER", reported)

    assert again.status_code == 200
    assert again.json() == first
    assert by_someone_else["id"] != first["id"]
    assert len(events_of(moderation, "filed")) == 2

    assert moderation.resolve(first["id"], "DISMISS").status_code == 200
    after = moderation.filed(reporter, "MEMBER", reported)  # the first is closed: a new one
    assert after["id"] != first["id"]


def test_racing_reports_of_one_member_on_one_subject_collapse_into_one(
    moderation: Moderation,
) -> None:
    reporter, reported = uuid4(), uuid4()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(lambda _: moderation.report(reporter, "MEMBER", reported), range(6))
        )

    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(events_of(moderation, "filed")) == 1


def test_a_repeated_idempotency_key_answers_the_first_filing(moderation: Moderation) -> None:
    reporter = uuid4()
    first = moderation.report(reporter, "MEMBER", uuid4(), **{"Idempotency-Key": "k1"})
    repeat = moderation.report(reporter, "MEMBER", uuid4(), **{"Idempotency-Key": "k1"})

    assert first.status_code == 201
    problem(repeat, 422)  # same key, another body


# reading ---------------------------------------------------------------------------------


def test_members_list_their_own_reports_and_admins_all_filtered_by_status(
    moderation: Moderation,
) -> None:
    me = uuid4()
    mine = [moderation.filed(me, "MEMBER", uuid4()) for _ in range(3)]
    theirs = moderation.filed(uuid4(), "MEMBER", uuid4())
    assert moderation.resolve(mine[0]["id"], "SUSPEND_MEMBER").status_code == 200

    listed = moderation.listed(me)
    first_page = moderation.client.get("/v1/reports", params={"limit": 2}, headers=auth(me))
    cursor = first_page.json()["next_cursor"]
    second_page = moderation.client.get(
        "/v1/reports", params={"limit": 2, "cursor": cursor}, headers=auth(me)
    )  # fmt: skip
    open_queue = moderation.listed(ADMIN, admin=True, status="OPEN")
    resolved = moderation.listed(ADMIN, admin=True, status="RESOLVED")

    assert {r["id"] for r in listed} == {r["id"] for r in mine}
    assert len(first_page.json()["items"]) == 2
    assert [r["id"] for r in first_page.json()["items"] + second_page.json()["items"]] == [
        r["id"] for r in listed
    ]
    assert second_page.json()["next_cursor"] is None
    assert {r["id"] for r in open_queue} == {mine[1]["id"], mine[2]["id"], theirs["id"]}
    assert [r["id"] for r in resolved] == [mine[0]["id"]]


def test_only_the_reporter_and_admins_read_a_report(moderation: Moderation) -> None:
    reporter, reported = uuid4(), uuid4()
    report = moderation.filed(reporter, "MEMBER", reported)
    path = f"/v1/reports/{report['id']}"

    assert moderation.client.get(path, headers=auth(reporter)).json() == report
    assert moderation.client.get(path, headers=auth(ADMIN, admin=True)).json() == report
    problem(moderation.client.get(path, headers=auth(reported)), 404)
    problem(moderation.client.get(f"/v1/reports/{uuid4()}", headers=auth(reporter)), 404)


# resolving -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["DISMISS", "WITHDRAW_OFFERING", "SUSPEND_MEMBER"])
def test_an_admin_resolves_an_offering_report(moderation: Moderation, action: str) -> None:
    offering, provider, reporter = uuid4(), uuid4(), uuid4()
    moderation.offering_created(offering, provider)
    report = moderation.filed(reporter, "OFFERING", offering)

    response = moderation.resolve(report["id"], action)

    assert response.status_code == 200, response.text
    resolved = response.json()
    assert (resolved["status"], resolved["action"], resolved["note"]) == (
        "RESOLVED", action, "checked",
    )  # fmt: skip
    assert (resolved["resolved_by"], resolved["resolved_at"]) == (
        str(ADMIN), "2026-03-01T12:00:00Z",
    )  # fmt: skip
    [event] = events_of(moderation, "resolved")
    assert event == {
        "report_id": report["id"], "reporter_id": str(reporter), "subject_type": "OFFERING",
        "subject_id": str(offering), "subject_member_id": str(provider), "reason": "SPAM",
        "status": "RESOLVED", "action": action, "admin_id": str(ADMIN), "note": "checked",
    }  # fmt: skip


def test_refusals_of_a_resolution(moderation: Moderation) -> None:
    reporter, reported = uuid4(), uuid4()
    report = moderation.filed(reporter, "MEMBER", reported)

    not_admin = problem(moderation.resolve(report["id"], "DISMISS", by=reporter, admin=False), 403)
    wrong_action = problem(moderation.resolve(report["id"], "WITHDRAW_OFFERING"), 422)
    concerned = problem(moderation.resolve(report["id"], "DISMISS", by=reported), 403)
    unknown = problem(moderation.resolve(str(uuid4()), "DISMISS"), 404)
    assert moderation.resolve(report["id"], "SUSPEND_MEMBER").status_code == 200
    again = problem(moderation.resolve(report["id"], "DISMISS"), 409)

    assert "admin" in not_admin["detail"]
    assert "WITHDRAW_OFFERING does not apply to a MEMBER report" in wrong_action["detail"]
    assert "another admin must" in concerned["detail"]
    assert unknown["detail"] == f"no report {unknown['detail'].split()[-1]}"
    assert again["current_status"] == "RESOLVED"
    assert [e["action"] for e in events_of(moderation, "resolved")] == ["SUSPEND_MEMBER"]
