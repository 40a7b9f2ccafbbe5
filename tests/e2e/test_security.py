"""SPEC §7 at the gateway: tokens that must not pass, what members may not see or do, bad
input, unknown ids and idempotent submission."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from hourbank_stack.client import Caller, Gateway

from .checks import balance, notified, problem
from .parties import Pair, make_pair, open_dispute
from .topics import TopicWatch

pytestmark = pytest.mark.integration

ONE_ROUTE_PER_SERVICE = [
    "/v1/members/me",
    "/v1/accounts/me",
    "/v1/disputes",
    "/v1/notifications",
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(member: uuid.UUID, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": str(member),
        "roles": ["member"],
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return claims | changes


def _signed_by_hand(header: dict[str, Any], claims: dict[str, Any], secret: str) -> str:
    """A token whose header says anything, HMAC-SHA256 signed with the secret (the
    algorithm-confusion attack when the header says RS256)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def bad_tokens(secret: str) -> dict[str, str | None]:
    member = uuid.uuid4()
    good = jwt.encode(_claims(member), secret, algorithm="HS256")
    head, payload, signature = good.split(".")
    admin_payload = _b64(json.dumps(_claims(member, roles=["member", "admin"])).encode())
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    past = datetime.now(UTC) - timedelta(hours=2)
    return {
        "none": None,
        "empty bearer": "",
        "not a jwt": "not-a-token",
        "expired": jwt.encode(
            _claims(member, iat=past, exp=past + timedelta(hours=1)), secret, algorithm="HS256"
        ),
        "tampered payload": f"{head}.{admin_payload}.{signature}",
        "tampered signature": f"{head}.{payload}.{flipped}",
        "other secret": jwt.encode(_claims(member), secret + "x", algorithm="HS256"),
        "HS384": jwt.encode(_claims(member), secret, algorithm="HS384"),
        "alg none": jwt.encode(_claims(member), None, algorithm="none"),
        "unsigned alg none": f"{none_header}.{payload}.",
        "RS256 header, HMAC signature": _signed_by_hand(
            {"alg": "RS256", "typ": "JWT"}, _claims(member), secret
        ),
        "RS256 with an unknown key": jwt.encode(_claims(member), rsa_key, algorithm="RS256"),
        "no exp": jwt.encode({"sub": str(member), "roles": ["member"]}, secret, algorithm="HS256"),
        "no member role": jwt.encode(_claims(member, roles=["admin"]), secret, algorithm="HS256"),
        "subject not a uuid": jwt.encode(_claims(member, sub="alice"), secret, algorithm="HS256"),
    }


@pytest.mark.parametrize("route", ONE_ROUTE_PER_SERVICE)
def test_tokens_that_must_not_pass(gateway: Gateway, route: str) -> None:
    for name, token in bad_tokens(gateway.secret).items():
        headers = {} if token is None else {"Authorization": f"Bearer {token}".strip()}
        response = gateway.http.get(route, headers=headers)
        body = problem(response, 401)
        assert response.headers.get("www-authenticate", "").startswith("Bearer"), name
        assert body["type"].endswith("unauthorized"), name
    basic = gateway.http.get(route, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    problem(basic, 401, "bearer")


def test_tokens_are_checked_on_writes_too(gateway: Gateway, pair: Pair) -> None:
    rid = pair.submit("1.00")["id"]
    forged = _signed_by_hand({"alg": "RS256"}, _claims(pair.provider.id), gateway.secret + "?")
    response = gateway.http.post(
        f"/v1/requests/{rid}/accept", headers={"Authorization": f"Bearer {forged}"}
    )
    problem(response, 401)
    assert pair.requester.request(rid)["status"] == "AWAITING_RESPONSE"


def test_members_see_only_their_own(gateway: Gateway, pair: Pair, admin: Caller) -> None:
    stranger = gateway.register("stranger")
    rid = pair.accepted("1.00")["id"]
    for path in (f"/v1/requests/{rid}", f"/v1/requests/{rid}/history", f"/v1/escrows/{rid}"):
        problem(stranger.send("GET", path), 404)
    for action in ("accept", "decline", "cancel", "start", "confirm-start"):
        problem(stranger.send("POST", f"/v1/requests/{rid}/{action}"), 404)
    problem(stranger.send("POST", f"/v1/requests/{rid}/rating", {"score": 5}), 404)
    assert stranger.get("/v1/requests")["items"] == []
    problem(stranger.send("GET", f"/v1/accounts/{pair.requester.id}"), 403, "admin")
    assert admin.get(f"/v1/accounts/{pair.requester.id}")["total"] == "3.00"
    assert admin.get(f"/v1/escrows/{rid}")["amount"] == "1.00"

    dispute = open_dispute(pair.provider, rid, "NO_SHOW")
    body = {"request_id": rid, "type": "OTHER", "description": "not even mine"}
    problem(stranger.send("POST", "/v1/disputes", body), 403, "requester or the provider")
    problem(stranger.send("GET", f"/v1/disputes/{dispute['id']}"), 404)
    evidence = {"kind": "text", "content": "I saw it all"}
    problem(stranger.send("POST", f"/v1/disputes/{dispute['id']}/evidence", evidence), 404)
    assert stranger.get("/v1/disputes")["items"] == []
    assert [d["id"] for d in pair.requester.get("/v1/disputes")["items"]] == [dispute["id"]]
    assert dispute["id"] in [d["id"] for d in admin.get("/v1/disputes", limit=100)["items"]]

    note = notified(pair.requester, "REQUEST_ACCEPTED", rid)
    problem(stranger.send("POST", f"/v1/notifications/{note['id']}/read"), 404)
    theirs = {rid, dispute["id"]}
    assert not [n for n in stranger.notifications() if n["related_id"] in theirs]
    assert pair.requester.get("/v1/notifications/unread-count")["unread"] >= 1
    assert pair.requester.post(f"/v1/notifications/{note['id']}/read")["read_at"] is not None


def test_members_are_kept_off_admin_routes(pair: Pair) -> None:
    member, other = pair.requester, pair.provider
    dispute_id = uuid.uuid4()
    attempts: list[tuple[str, str, Any]] = [
        ("GET", f"/v1/accounts/{other.id}", None),
        ("POST", f"/v1/accounts/{member.id}/adjustments", {"amount": "5.00", "reason": "me"}),
        ("PUT", f"/v1/accounts/{member.id}/credit-limit", {"credit_limit": "9.00", "reason": "x"}),
        ("GET", "/v1/ledger/reconciliation", None),
        ("POST", f"/v1/members/{other.id}/suspend", {"reason": "I do not like them"}),
        ("POST", f"/v1/members/{other.id}/reactivate", {"reason": "I like them again"}),
        ("POST", f"/v1/disputes/{dispute_id}/assign", None),
        ("POST", f"/v1/disputes/{dispute_id}/resolve", {"resolution": "SPLIT", "note": "x"}),
        ("POST", f"/v1/disputes/{dispute_id}/dismiss", {"note": "x"}),
    ]
    for method, path, body in attempts:
        problem(member.send(method, path, body), 403, "admin")
    assert member.balance() == balance("3.00", "3.00", "0.00")
    assert other.get("/v1/members/me")["status"] == "ACTIVE"


RANGE, FINITE, PLACES = "outside the allowed range", "finite number", "more than two decimal"
BAD_HOURS: list[tuple[Any, str]] = [
    (0, RANGE), ("0", RANGE), ("0.00", RANGE), (-1, RANGE), ("-0.50", RANGE),
    (1000.01, RANGE), ("1001", RANGE),
    ("NaN", FINITE), ("nan", FINITE), (float("nan"), FINITE), ("Infinity", FINITE),
    ("-Infinity", FINITE), (float("inf"), FINITE),
    ("1.001", PLACES), (1.001, PLACES), ("0.005", PLACES),
    ("1e400", "far outside"), (10**30, "far outside"),
    ("abc", "not a decimal"), ("", "not a decimal"), ("1,5", "not a decimal"),
    (True, "boolean"), (None, "decimal number"), ([], "decimal number"), ({}, "decimal number"),
]  # fmt: skip
"""Hours no request may carry, and what the refusal's detail says about each."""


@pytest.fixture(scope="module")
def refused_pair(gateway: Gateway) -> Pair:
    """One pair for every refused submission (a refusal changes nothing to share)."""
    return make_pair(gateway)


def submitting(requester: Caller, offering_id: str, hours: Any) -> httpx.Response:
    """POST /v1/requests with the hours as written (json.dumps also writes NaN and Infinity,
    which some clients send though JSON has no such numbers)."""
    body = json.dumps({"offering_id": offering_id, "hours": hours, "message": ""})
    headers = {**requester.headers, "Content-Type": "application/json"}
    return requester.gateway.http.post("/v1/requests", content=body, headers=headers)


@pytest.mark.parametrize(("hours", "why"), BAD_HOURS, ids=[repr(h) for h, _ in BAD_HOURS])
def test_bad_hours_are_refused(refused_pair: Pair, hours: Any, why: str) -> None:
    refused = submitting(refused_pair.requester, refused_pair.offering["id"], hours)
    problem(refused, 422, "hours", why)


def test_bad_hours_leave_nothing_behind(refused_pair: Pair) -> None:
    requester = refused_pair.requester
    for hours, _ in BAD_HOURS:
        assert submitting(requester, refused_pair.offering["id"], hours).status_code == 422
    assert requester.get("/v1/requests")["items"] == []
    assert requester.balance() == balance("3.00", "3.00", "0.00")


def test_bad_amounts_elsewhere_are_refused(pair: Pair, admin: Caller) -> None:
    rid = pair.in_progress("1.00")["id"]
    for hours in ("1.005", "NaN", 0, "-1", "lots"):
        body = {"actual_hours": hours}
        problem(
            pair.provider.send("POST", f"/v1/requests/{rid}/complete", body), 422, "actual_hours"
        )
    path = f"/v1/accounts/{pair.requester.id}/adjustments"
    for amount in ("0", "0.00", "2.345", "Infinity", "1e7", "x"):
        body = {"amount": amount, "reason": "test"}
        problem(admin.send("POST", path, body), 422, "amount")
    problem(admin.send("POST", path, {"amount": "1.00", "reason": "   "}), 422, "reason")
    assert pair.requester.balance() == balance("3.00", "2.00", "1.00")


def test_malformed_bodies_and_ids(pair: Pair) -> None:
    requester = pair.requester
    raw = requester.gateway.http.post(
        "/v1/requests",
        content=b"{not json",
        headers={**requester.headers, "Content-Type": "application/json"},
    )
    problem(raw, 422)
    problem(requester.send("POST", "/v1/requests", {"hours": "1.00"}), 422, "offering_id")
    problem(requester.send("GET", "/v1/requests/not-a-uuid"), 422, "request_id")
    problem(requester.send("GET", "/v1/requests", params={"limit": 0}), 422, "limit")
    problem(requester.send("GET", "/v1/requests", params={"status": "SLEEPING"}), 422, "status")


def test_unknown_ids_are_not_found(pair: Pair, admin: Caller) -> None:
    nobody = str(uuid.uuid4())
    member = pair.requester
    for method, path in (
        ("GET", f"/v1/requests/{nobody}"),
        ("GET", f"/v1/requests/{nobody}/history"),
        ("POST", f"/v1/requests/{nobody}/accept"),
        ("POST", f"/v1/requests/{nobody}/cancel"),
        ("GET", f"/v1/offerings/{nobody}"),
        ("GET", f"/v1/members/{nobody}"),
        ("GET", f"/v1/escrows/{nobody}"),
        ("GET", f"/v1/disputes/{nobody}"),
        ("POST", f"/v1/notifications/{nobody}/read"),
        ("GET", "/v1/nothing-here"),
    ):
        problem(member.send(method, path), 404)
    problem(member.send("POST", "/v1/requests", {"offering_id": nobody, "hours": "1.00"}), 404)
    disputing = {"request_id": nobody, "type": "OTHER", "description": "?"}
    # an unknown request is not final (its events may be late): the dispute waits PENDING
    pending = member.send("POST", "/v1/disputes", disputing)
    assert (pending.status_code, pending.json()["status"]) == (201, "PENDING"), pending.text
    problem(admin.send("GET", f"/v1/accounts/{nobody}"), 404)
    problem(admin.send("POST", f"/v1/disputes/{nobody}/assign"), 404)
    never = {"note": "no such request"}
    dismissed = admin.send("POST", f"/v1/disputes/{pending.json()['id']}/dismiss", never)
    assert dismissed.json()["status"] == "DISMISSED", dismissed.text
    adjustment = {"amount": "1.00", "reason": "nobody"}
    problem(admin.send("POST", f"/v1/accounts/{nobody}/adjustments", adjustment), 404)


def test_repeated_idempotency_key_submits_once(pair: Pair, topics: TopicWatch) -> None:
    key = str(uuid.uuid4())
    body = {"offering_id": pair.offering["id"], "hours": "2.00", "message": "once"}
    first = pair.requester.send("POST", "/v1/requests", body, idempotency_key=key)
    assert first.status_code == 201, first.text
    rid = first.json()["id"]
    pair.requester.wait_status(rid, "AWAITING_RESPONSE")
    second = pair.requester.send("POST", "/v1/requests", body, idempotency_key=key)
    assert (second.status_code, second.json()) == (201, first.json())
    assert second.headers.get("idempotent-replayed") == "true"
    different = pair.requester.send(
        "POST", "/v1/requests", {**body, "hours": "1.00"}, idempotency_key=key
    )
    problem(different, 422, "Idempotency-Key")
    other_key = pair.requester.send("POST", "/v1/requests", body, idempotency_key=str(uuid.uuid4()))
    problem(other_key, 409, "open request")

    assert [r["id"] for r in pair.requester.get("/v1/requests")["items"]] == [rid]
    assert pair.requester.balance() == balance("3.00", "1.00", "2.00")
    topics.requests(rid, "submitted", "awaiting_response")
    topics.escrow(rid, "held")
    topics.postings(str(pair.requester.id), "WELCOME_BONUS", "ESCROW_HOLD")


def test_the_gateway_answers_problem_json_too(gateway: Gateway, pair: Pair) -> None:
    problem(gateway.http.get("/nowhere"), 404, "no route")
    oversized = {"offering_id": pair.offering["id"], "hours": "1.00", "message": "x" * 70_000}
    problem(pair.requester.send("POST", "/v1/requests", oversized), 413, "64 KiB")
    assert pair.requester.get("/v1/requests")["items"] == []
