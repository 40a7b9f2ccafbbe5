"""What the admin console reads from escrow: a hold's moves, any member's statement, and the
payment success KPI, through the real handlers and PostgreSQL."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow import handlers
from hourbank_escrow.api import create_app
from hourbank_escrow.handlers import Context
from hourbank_escrow.settings import EscrowSettings
from hourbank_escrow.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import SystemClock
from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope

from .story import Story, registered
from .test_api import ADMIN, PROBLEM, SECRET, auth

pytestmark = pytest.mark.integration

Handler = Any


@pytest.fixture
def context(sessions: sessionmaker[Session]) -> Context:
    return Context(
        uow=lambda: SqlUnitOfWork(sessions),
        clock=SystemClock(),
        welcome_bonus=Decimal("5.00"),
        default_credit_limit=Decimal("0.00"),
    )


@pytest.fixture
def client(migrated_url: str, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """On the system clock: the inbox stamps what it handled with the database's time."""
    settings = EscrowSettings(database_url=migrated_url, jwt_algorithm="HS256", jwt_secret=SECRET)
    with TestClient(create_app(settings, sessions, SystemClock())) as test_client:
        yield test_client


def deliver(context: Context, handler: Handler, event: Event) -> None:
    handler(context, Envelope.wrap(event, source="/test"), event)


def paid_story(context: Context) -> Story:
    """Two members; 2.00 h held; completed with 1.50 h: 1.50 paid, 0.50 back."""
    story = Story()
    for member in (story.requester_id, story.provider_id):
        deliver(context, handlers.when_member_registered, registered(member))
    deliver(context, handlers.when_request_submitted, story.submitted("2.00"))
    deliver(context, handlers.when_request_completed, story.completed("2.00", "1.50"))
    return story


def test_an_escrow_lists_every_move_of_its_hold(client: TestClient, context: Context) -> None:
    story = paid_story(context)

    seen = client.get(f"/v1/escrows/{story.request_id}", headers=auth(story.requester_id))

    assert seen.status_code == 200, seen.text
    escrow = seen.json()
    assert escrow["status"] == "RELEASED"
    moves = escrow["moves"]
    assert [m["type"] for m in moves] == ["ESCROW_HOLD", "ESCROW_RELEASE", "ESCROW_REFUND"]
    assert [m["escrowed_delta"] for m in moves] == ["2.00", "-1.50", "-0.50"]
    release = {p["account"]: p["amount"] for p in moves[1]["postings"]}
    assert release == {"escrow": "-1.50", str(story.provider_id): "1.50"}
    assert moves[0]["posted_at"] <= moves[1]["posted_at"] <= moves[2]["posted_at"]


def test_an_admin_reads_any_members_statement_as_the_member_does(
    client: TestClient, context: Context
) -> None:
    story = paid_story(context)
    requester = story.requester_id

    own = client.get("/v1/accounts/me/transactions", headers=auth(requester)).json()
    by_admin = client.get(f"/v1/accounts/{requester}/transactions", headers=ADMIN)
    first = client.get(f"/v1/accounts/{requester}/transactions?limit=2", headers=ADMIN).json()
    rest = client.get(
        f"/v1/accounts/{requester}/transactions?limit=2&cursor={first['next_cursor']}",
        headers=ADMIN,
    ).json()
    other = client.get(f"/v1/accounts/{requester}/transactions", headers=auth(story.provider_id))

    assert by_admin.status_code == 200
    assert by_admin.json() == own
    types = [item["type"] for item in own["items"]]
    assert types == ["ESCROW_REFUND", "ESCROW_RELEASE", "ESCROW_HOLD", "WELCOME_BONUS"]
    assert [i["type"] for i in first["items"] + rest["items"]] == types
    assert rest["next_cursor"] is None
    assert other.status_code == 403
    assert other.headers["content-type"] == PROBLEM


def test_ledger_stats_count_the_releases_that_paid_of_those_asked(
    client: TestClient, context: Context
) -> None:
    paid_story(context)
    no_hold = Story()  # completed without a hold: the release is refused
    deliver(context, handlers.when_request_completed, no_hold.completed("1.00", "1.00"))

    stats = client.get("/v1/ledger/stats?hours=1", headers=ADMIN)
    member = client.get("/v1/ledger/stats", headers=auth(no_hold.requester_id))
    too_wide = client.get("/v1/ledger/stats?hours=0", headers=ADMIN)

    assert stats.status_code == 200, stats.text
    figures = stats.json()
    assert figures["window_hours"] == 1
    assert (figures["release_attempts"], figures["releases_paid"]) == (2, 1)
    assert figures["payment_success"] == 0.5
    assert figures["transactions_by_type"] == {
        "WELCOME_BONUS": 2, "ESCROW_HOLD": 1, "ESCROW_RELEASE": 1, "ESCROW_REFUND": 1,
    }  # fmt: skip
    assert figures["held_hours_now"] == "0.00"
    assert figures["holds_by_status"]["RELEASED"] == 1
    assert member.status_code == 403
    assert too_wide.status_code == 422
    assert too_wide.headers["content-type"] == PROBLEM


def test_each_service_serves_its_dead_letters_to_admins_only(client: TestClient) -> None:
    refused = client.get("/v1/dead-letters/escrow", headers=auth(UUID(int=7)))
    paths = client.get("/openapi.json").json()["paths"]

    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert "/v1/dead-letters/escrow" in paths
    assert "/v1/dead-letters/escrow/{dlq_offset}/replay" in paths
    assert "/v1/ledger/stats" in paths
    assert "/v1/accounts/{member_id}/transactions" in paths
