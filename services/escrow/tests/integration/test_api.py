"""The escrow HTTP API against the real PostgreSQL, with development tokens."""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_escrow.adapters import tables
from hourbank_escrow.api import create_app
from hourbank_escrow.domain import AdminOrder, Hold, Ledger, Result, adjust_balance, open_account
from hourbank_escrow.settings import EscrowSettings
from hourbank_escrow.unit_of_work import SqlUnitOfWork
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.clock import FixedClock
from hourbank_shared.contracts.enums import TransactionType

pytestmark = pytest.mark.integration

SECRET = "s" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PROBLEM = "application/problem+json"


class Bank:
    """Builds state through the domain and units of work, and reads what the API wrote."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def open(self, member_id: UUID) -> UUID:
        with SqlUnitOfWork(self.sessions) as uow:
            ledger = Ledger(uow.accounts.lock([member_id]), now=NOW)
            open_account(member_id, ledger)
            uow.save(ledger)
            uow.commit()
        return member_id

    def hold(self, requester: UUID, provider: UUID, amount: str) -> UUID:
        request_id = uuid4()
        with SqlUnitOfWork(self.sessions) as uow:
            ledger = Ledger(uow.accounts.lock([requester, provider]), now=NOW)
            hold = Hold(request_id, requester, provider)
            assert hold.place(Decimal(amount), ledger).result is Result.APPLIED
            uow.save(ledger, hold)
            uow.commit()
        return request_id

    def adjust(self, member_id: UUID, amount: str) -> None:
        with SqlUnitOfWork(self.sessions) as uow:
            ledger = Ledger(uow.accounts.lock([member_id]), now=NOW)
            order = AdminOrder(uuid4())
            outcome = adjust_balance(member_id, Decimal(amount), "test", ledger, ordered_by=order)
            assert outcome.result is Result.APPLIED
            uow.save(ledger)
            uow.commit()

    def outbox_types(self, member_id: UUID) -> list[str]:
        query = select(tables.outbox.c.event_type).where(tables.outbox.c.key == str(member_id))
        with self.sessions() as session:
            return list(session.execute(query.order_by(tables.outbox.c.id)).scalars())

    def transactions(self, type_: TransactionType) -> int:
        query = select(func.count()).where(tables.transactions.c.type == type_.value)
        with self.sessions() as session:
            return session.execute(query).scalar_one()


@pytest.fixture
def bank(sessions: sessionmaker[Session]) -> Bank:
    return Bank(sessions)


@pytest.fixture
def client(migrated_url: str, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    settings = EscrowSettings(database_url=migrated_url, jwt_algorithm="HS256", jwt_secret=SECRET)
    with TestClient(create_app(settings, sessions, FixedClock(NOW))) as test_client:
        yield test_client


def auth(member_id: UUID, *, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(member_id, SECRET, admin=admin)}"}


ADMIN = auth(uuid4(), admin=True)


def adjustment(client: TestClient, member_id: UUID, amount: object, **headers: str) -> Any:
    return client.post(
        f"/v1/accounts/{member_id}/adjustments",
        json={"amount": amount, "reason": "community work"},
        headers={**ADMIN, **headers},
    )


def test_a_member_sees_their_balance(client: TestClient, bank: Bank) -> None:
    member = bank.open(uuid4())

    response = client.get("/v1/accounts/me", headers=auth(member))

    assert response.status_code == 200
    assert response.json() == {
        "member_id": str(member),
        "total": "3.00",
        "available": "3.00",
        "escrowed": "0.00",
        "credit_limit": "0.00",
        "status": "ACTIVE",
    }


def test_a_member_whose_account_is_not_open_yet_sees_it_opening(
    client: TestClient, bank: Bank
) -> None:
    """Just registered: escrow has not consumed `member.registered` yet. The app gets an
    answer it can show, not a 404 to retry."""
    member = uuid4()
    response = client.get("/v1/accounts/me", headers=auth(member))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "member_id": str(member), "total": "0.00", "available": "0.00", "escrowed": "0.00",
        "credit_limit": "0.00", "status": "OPENING",
    }  # fmt: skip
    bank.open(member)
    assert client.get("/v1/accounts/me", headers=auth(member)).json()["status"] == "ACTIVE"


def test_an_admin_asking_for_an_unknown_account_gets_404(client: TestClient) -> None:
    response = client.get(f"/v1/accounts/{uuid4()}", headers=auth(uuid4(), admin=True))

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "no account yet" in response.json()["detail"]


def test_transactions_come_newest_first_in_pages(client: TestClient, bank: Bank) -> None:
    member, provider = bank.open(uuid4()), bank.open(uuid4())
    request_id = bank.hold(member, provider, "1.00")
    bank.adjust(member, "0.50")

    first = client.get("/v1/accounts/me/transactions?limit=2", headers=auth(member)).json()
    cursor = first["next_cursor"]
    second = client.get(
        "/v1/accounts/me/transactions", params={"limit": 2, "cursor": cursor}, headers=auth(member)
    ).json()

    assert [item["type"] for item in first["items"]] == ["ADMIN_ADJUSTMENT", "ESCROW_HOLD"]
    assert cursor is not None
    assert [item["type"] for item in second["items"]] == ["WELCOME_BONUS"]
    assert second["next_cursor"] is None
    hold = first["items"][1]
    assert hold["request_id"] == str(request_id)
    assert (hold["delta_total"], hold["delta_escrowed"]) == ("0.00", "1.00")
    assert hold["before"] == {"total": "3.00", "escrowed": "0.00", "available": "3.00"}
    assert hold["after"] == {"total": "3.00", "escrowed": "1.00", "available": "2.00"}
    assert hold["posted_at"].startswith("2026-03-01T12:00:00")
    assert first["items"][0]["reason"] == "test"


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=nonsense"])
def test_bad_paging_is_invalid_input(client: TestClient, bank: Bank, query: str) -> None:
    member = bank.open(uuid4())

    response = client.get(f"/v1/accounts/me/transactions?{query}", headers=auth(member))

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_an_escrow_is_visible_to_its_parties_and_admins_only(
    client: TestClient, bank: Bank
) -> None:
    requester, provider, stranger = bank.open(uuid4()), bank.open(uuid4()), bank.open(uuid4())
    request_id = bank.hold(requester, provider, "2.50")
    url = f"/v1/escrows/{request_id}"

    seen = [client.get(url, headers=h) for h in (auth(requester), auth(provider), ADMIN)]
    hidden = client.get(url, headers=auth(stranger))
    unknown = client.get(f"/v1/escrows/{uuid4()}", headers=ADMIN)

    assert [r.status_code for r in seen] == [200, 200, 200]
    body = seen[0].json()
    assert (body["status"], body["amount"]) == ("HELD", "2.50")
    assert (body["requester_id"], body["provider_id"]) == (str(requester), str(provider))
    assert body["dispute_id"] is body["provider_amount"] is body["requester_refund"] is None
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json()["detail"] == f"no escrow for request {request_id}"


def test_members_may_not_use_admin_routes(client: TestClient, bank: Bank) -> None:
    member = bank.open(uuid4())
    calls = [
        ("GET", f"/v1/accounts/{member}", None),
        ("POST", f"/v1/accounts/{member}/adjustments", {"amount": "1.00", "reason": "me"}),
        ("PUT", f"/v1/accounts/{member}/credit-limit", {"credit_limit": "5.00", "reason": "me"}),
        ("GET", "/v1/ledger/reconciliation", None),
    ]

    responses = [client.request(m, url, json=body, headers=auth(member)) for m, url, body in calls]

    assert [r.status_code for r in responses] == [403] * 4
    assert all(r.headers["content-type"] == PROBLEM for r in responses)


def test_without_a_token_the_api_answers_401(client: TestClient) -> None:
    responses = [client.get("/v1/accounts/me"), client.get(f"/v1/escrows/{uuid4()}")]

    assert [r.status_code for r in responses] == [401, 401]
    assert responses[0].headers["www-authenticate"] == "Bearer"


def test_an_admin_adjustment_moves_hours_and_publishes_the_change(
    client: TestClient, bank: Bank
) -> None:
    member = bank.open(uuid4())

    response = adjustment(client, member, "2.00")
    account = client.get(f"/v1/accounts/{member}", headers=ADMIN).json()

    assert response.status_code == 201
    assert response.json()["account"]["total"] == "5.00"
    assert UUID(response.json()["transaction_id"])
    assert (account["total"], account["available"]) == ("5.00", "5.00")
    assert bank.outbox_types(member) == ["hourbank.ledger.balance_changed.v1"]


def test_an_adjustment_repeated_with_its_key_is_applied_once(
    client: TestClient, bank: Bank
) -> None:
    member = bank.open(uuid4())

    first = adjustment(client, member, "2.00", **{"Idempotency-Key": "adj-1"})
    again = adjustment(client, member, "2.00", **{"Idempotency-Key": "adj-1"})
    misused = adjustment(client, member, "3.00", **{"Idempotency-Key": "adj-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert bank.transactions(TransactionType.ADMIN_ADJUSTMENT) == 1
    assert client.get("/v1/accounts/me", headers=auth(member)).json()["total"] == "5.00"
    assert misused.status_code == 422
    assert misused.headers["content-type"] == PROBLEM


def test_a_deduction_beyond_what_is_available_is_a_conflict(client: TestClient, bank: Bank) -> None:
    member, provider = bank.open(uuid4()), bank.open(uuid4())
    bank.hold(member, provider, "2.00")

    response = adjustment(client, member, "-1.50", **{"Idempotency-Key": "too-much"})
    retried_smaller = adjustment(client, member, "-1.00", **{"Idempotency-Key": "ok"})

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert "below −0.00 h" in response.json()["detail"]
    assert response.json()["reason"] == "INSUFFICIENT_BALANCE"
    assert retried_smaller.status_code == 201
    assert retried_smaller.json()["account"]["available"] == "0.00"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"amount": "1.234", "reason": "x"}, "more than two decimal places"),
        ({"amount": "0.00", "reason": "x"}, "must move some hours"),
        ({"amount": "1.00", "reason": "   "}, "reason"),
        ({"amount": "1.00", "reason": "x" * 501}, "reason"),
    ],
)
def test_an_invalid_adjustment_is_a_422_problem(
    client: TestClient, bank: Bank, body: dict[str, str], problem: str
) -> None:
    member = bank.open(uuid4())

    response = client.post(f"/v1/accounts/{member}/adjustments", json=body, headers=ADMIN)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert problem in response.json()["detail"]
    assert bank.transactions(TransactionType.ADMIN_ADJUSTMENT) == 0


def test_an_adjustment_of_a_missing_account_is_404(client: TestClient) -> None:
    response = adjustment(client, uuid4(), "1.00")

    assert response.status_code == 404
    assert "register first" in response.json()["detail"]


def test_an_admin_changes_a_credit_limit(client: TestClient, bank: Bank) -> None:
    member = bank.open(uuid4())
    url = f"/v1/accounts/{member}/credit-limit"

    changed = client.put(url, json={"credit_limit": "4.00", "reason": "new roof"}, headers=ADMIN)
    deduction = adjustment(client, member, "-6.00")
    refused = client.put(url, json={"credit_limit": "2.00", "reason": "x"}, headers=ADMIN)
    negative = client.put(url, json={"credit_limit": "-1.00", "reason": "x"}, headers=ADMIN)

    assert changed.status_code == 200
    assert changed.json()["credit_limit"] == "4.00"
    assert deduction.json()["account"]["available"] == "-3.00"
    assert refused.status_code == 409
    assert negative.status_code == 422
    assert bank.outbox_types(member) == [
        "hourbank.account.credit_limit_changed.v1",
        "hourbank.ledger.balance_changed.v1",
    ]


def test_reconciliation_is_ok_after_all_that(client: TestClient, bank: Bank) -> None:
    member, provider = bank.open(uuid4()), bank.open(uuid4())
    bank.hold(member, provider, "1.00")
    adjustment(client, member, "2.00", **{"Idempotency-Key": "a"})
    adjustment(client, member, "2.00", **{"Idempotency-Key": "a"})
    adjustment(client, provider, "-3.00")
    limit = {"credit_limit": "1.00", "reason": "x"}
    client.put(f"/v1/accounts/{member}/credit-limit", json=limit, headers=ADMIN)

    response = client.get("/v1/ledger/reconciliation", headers=ADMIN)

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "accounts": 4,
        "transactions": 5,
        "holds": 1,
        "violations": [],
    }


def test_operational_routes_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "HourBank escrow"
    assert {"BalanceView", "TransactionView", "EscrowView", "ReconciliationView"} <= set(
        schema["components"]["schemas"]
    )
    adjust = schema["paths"]["/v1/accounts/{member_id}/adjustments"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in adjust["parameters"]]
