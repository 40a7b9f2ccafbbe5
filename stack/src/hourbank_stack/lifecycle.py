"""Request lifecycles driven concurrently through the gateway, as members' apps would.

Shared by the load generator and the fault injector. Every POST carries an Idempotency-Key and
is retried with the same key when the gateway or a service cannot be reached (502/503/504, a
dropped connection) or a row was changed at the same moment (409 concurrent-update), so a retry
never has a second effect. Steps wait for the saga by reading the request, each read held by
the API until the request changes (`If-None-Match` with `Prefer: wait`).

A submission the requests service sheds at the door (503 `overloaded` with `Retry-After`) is
sent again after `Retry-After` by default (the fault injector wants every lifecycle done); the
load generator instead counts the lifecycle as refused and lets it go (open loop).
"""

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp

from hourbank_shared.auth.devtoken import dev_token

RETRYABLE = {502, 503, 504}
CONFLICT = frozenset({409})
SHED = "/overloaded"
"""The problem type of a submission shed at the door, with `Retry-After`."""
SUBMIT, ACCEPT, PAID = "submit→AWAITING_RESPONSE", "accept→ACCEPTED", "confirm-completion→PAID"
STEPS = (SUBMIT, ACCEPT, PAID)


class Refused(Exception):
    """A 4xx answer a retry cannot change."""

    def __init__(self, status: int, problem: dict[str, Any], what: str):
        self.status = status
        self.problem = problem
        super().__init__(f"{what} → {status}: {problem.get('detail')}")


@dataclass
class Shed(Exception):
    """The requests service refused the submission at the door; nothing was done."""

    def __init__(self, retry_after: float, problem: dict[str, Any]):
        self.retry_after = retry_after
        super().__init__(f"refused at the door, retry after {retry_after:g} s: {problem}")


@dataclass(frozen=True)
class Answer:
    """An answer below 400, as `Api._exchange` returns it."""

    status: int
    content: bytes
    headers: Mapping[str, str]
    """Case-insensitive, as HTTP's."""


@dataclass
class Member:
    id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Pair:
    requester: Member
    provider: Member
    offering_id: str
    expected_delta: Decimal = Decimal("0.00")
    """What finished lifecycles moved from the requester to the provider."""


@dataclass
class Outcome:
    kind: str
    request_id: str = ""
    status: str = ""
    expected: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    error: str = ""
    refused_for: float | None = None
    """Shed at the door: the submission's Retry-After (seconds); the lifecycle ended there."""
    unanswered: bool = False
    """Expired before escrow answered its hold: an outage longer than the requests service's
    `HOURBANK_REQUESTS_ESCROW_ANSWER_SECONDS` (300 real seconds). It ended there, refunded."""
    started: float = 0.0
    finished: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and self.status == self.expected


@dataclass(frozen=True)
class Known:
    """An answer's body and its ETag (None: the answer named none)."""

    body: Any
    etag: str | None


class Api:
    """The gateway, with retries that keep an action's effect single."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        patience: float = 90,
        connections: int = 256,
        *,
        shed_is_final: bool = False,
    ):
        # aiohttp, not httpx: httpx's pool rescans every connection for every request, which
        # made this client, not the system, the bottleneck at a few hundred requests/s.
        self.base_url = base_url
        self.connections = connections
        self._http: aiohttp.ClientSession | None = None
        self.secret = secret
        self.patience = patience
        self.shed_is_final = shed_is_final
        """True: a shed submission raises `Shed`; False: it is sent again after Retry-After."""
        self.retries: Counter[str] = Counter()
        self.calls = 0
        self._second_admin: Member | None = None

    def member(self, *, admin: bool = False) -> Member:
        member_id = uuid.uuid4()
        return Member(member_id, dev_token(member_id, self.secret, admin=admin))

    @property
    def second_admin(self) -> Member:
        """The admin who approves adjustments another admin asked for (never their own)."""
        if self._second_admin is None:
            self._second_admin = self.member(admin=True)
        return self._second_admin

    async def call(
        self, who: Member, method: str, path: str, body: Any = None, *, keyed: bool = True
    ) -> Any:
        return (await self.answered(who, method, path, body, keyed=keyed)).body

    async def answered(
        self, who: Member, method: str, path: str, body: Any = None, *, keyed: bool = True
    ) -> Known:
        """`call`, with the answer's ETag: an action's answer names the request's, so the
        client may wait for its next change without reading it first (`status`)."""
        headers = who.headers
        if method == "POST" and keyed:
            headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        answer = await self._exchange(method, path, body, headers)
        content = json.loads(answer.content) if answer.content else None
        return Known(content, answer.headers.get("ETag"))

    async def _exchange(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> "Answer":
        """One call, sent again with the same headers (so the same Idempotency-Key) after a
        dropped connection, a 502/503/504 (after its Retry-After, if any), a 409
        concurrent-update, or a shed submission unless `shed_is_final`, for as long as the
        client's patience lasts: the first answer below 400 (a 304 included)."""
        deadline = time.monotonic() + self.patience
        delay = 0.05
        while True:
            self.calls += 1
            try:
                async with self.http.request(method, path, json=body, headers=headers) as response:
                    status = response.status
                    content = await response.read()
                    answered = response.headers.copy()  # case-insensitive, as HTTP's
                    retry_after = _seconds(response.headers.get("Retry-After"))
            except (TimeoutError, aiohttp.ClientError) as exc:
                reason = type(exc).__name__
            else:
                if status < 400:
                    return Answer(status, content, answered)
                problem = _problem(content)
                if _shed(status, problem):
                    if self.shed_is_final:
                        raise Shed(retry_after, problem)
                    delay, reason = max(delay, retry_after), "shed"
                elif status not in RETRYABLE and not _concurrent(status, problem):
                    raise Refused(status, problem, f"{method} {path}")
                else:
                    delay, reason = max(delay, retry_after), str(status)
            self.retries[reason] += 1
            if time.monotonic() > deadline:
                if reason == "shed":  # still refused at the door: nothing was ever done
                    raise Shed(retry_after, problem)
                raise TimeoutError(f"{method} {path}: still failing ({reason}) after retries")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def once_allowed(
        self, who: Member, path: str, body: Any = None, *, not_yet: frozenset[int]
    ) -> Any:
        """POST until it is accepted, as long as the client's patience lasts, while the answer
        is a refusal in `not_yet`: a command that waits for another service's view to catch up
        (a dispute's assignment while the disputes service has not heard of its request yet and
        keeps it PENDING, 409; a resolution before the request is confirmed DISPUTED, 409). A
        refused command did nothing, so each attempt carries a new Idempotency-Key."""
        deadline = time.monotonic() + self.patience
        pause = 0.05
        while True:
            try:
                return await self.call(who, "POST", path, body)
            except Refused as refused:
                if refused.status not in not_yet or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, 0.5)

    STATUS_WAIT_SECONDS = 5
    """How long a status read asks the API to hold its answer for a change (`Prefer: wait`)."""

    async def status(
        self, who: Member, request_id: str, wanted: set[str], known: Known | None = None
    ) -> str:
        """Read the request until its status is one of `wanted`, for as long as the client's
        patience lasts. After the first read, each read names the last `ETag`
        (`If-None-Match`) and asks the API to hold its answer until the request changes
        (`Prefer: wait`): a change arrives as it happens, and the API answers once per change,
        not once per poll. Where the API does not wait (no ETag, the preference not applied),
        the next read follows a pause: 20 ms, growing to 200 ms. `known`: the request as the
        client's last action on it answered, with its ETag; the first read then waits on it."""
        path = f"/v1/requests/{request_id}"
        deadline = time.monotonic() + self.patience
        pause = 0.02
        request: dict[str, Any] = {}
        etag: str | None = None
        if known is not None and isinstance(known.body, dict):
            request, etag = known.body, known.etag
            if request.get("status") in wanted:
                return str(request["status"])
        while True:
            asked = etag
            changed, etag, waited = await self._read_request(who, path, asked)
            request = changed or request  # None: 304, unchanged
            if request.get("status") in wanted:
                return str(request["status"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"request {request_id} stuck in {request.get('status')}")
            if not waited and (asked is not None or etag is None):  # nor will the next read
                await asyncio.sleep(pause)
                pause = min(pause * 1.5, 0.2)

    async def _read_request(
        self, who: Member, path: str, etag: str | None
    ) -> tuple[dict[str, Any] | None, str | None, bool]:
        """One GET of a request, conditional on `etag` if there is one, retried like `call`:
        its body (None: 304, unchanged), its ETag, and whether the API held the answer for a
        change."""
        headers = who.headers
        if etag is not None:
            headers = {
                **headers,
                "If-None-Match": etag,
                "Prefer": f"wait={self.STATUS_WAIT_SECONDS}",
            }
        answer = await self._exchange("GET", path, None, headers)
        etag_now = answer.headers.get("ETag")
        waited = "Preference-Applied" in answer.headers
        if answer.status == 304:
            return None, etag_now or etag, waited
        return json.loads(answer.content), etag_now, waited

    async def pair(self, admin: Member, top_up: str = "0") -> Pair:
        """Two registered members (the requester topped up by an admin) and an offering."""
        requester, provider = self.member(), self.member()
        for member, name in ((requester, "Requester"), (provider, "Provider")):
            await self.call(member, "POST", "/v1/members", {"display_name": name})
        offering = await self.call(
            provider,
            "POST",
            "/v1/offerings",
            {"title": "Load", "category": "load", "rate": "1.00", "response_window_hours": 72},
        )
        if offering.get("status") == "PENDING_REVIEW":  # `--offering-review`: the admin approves
            approve = f"/v1/offerings/{offering['id']}/approve"
            offering = await self.call(admin, "POST", approve, {})
        for member in (requester, provider):
            await self._account_open(member)
        if Decimal(top_up) > 0:
            body = {"amount": top_up, "reason": "load test budget"}
            done = await self.call(admin, "POST", f"/v1/accounts/{requester.id}/adjustments", body)
            if done.get("status") == "PENDING":  # above the threshold: a second admin approves
                approve = f"/v1/ledger/adjustments/{done['id']}/approve"
                await self.call(self.second_admin, "POST", approve)
        return Pair(requester, provider, offering["id"])

    async def _account_open(self, member: Member) -> None:
        """Until escrow opened the member's account, as long as the client's patience lasts
        (under faults the escrow consumer may take minutes)."""
        deadline = time.monotonic() + self.patience
        while (await self.call(member, "GET", "/v1/accounts/me"))["status"] == "OPENING":
            if time.monotonic() > deadline:
                raise TimeoutError(f"escrow did not open the account of {member.id}")
            await asyncio.sleep(0.1)

    @property
    def http(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running event loop."""
        if self._http is None:
            self._http = aiohttp.ClientSession(
                base_url=self.base_url,
                connector=aiohttp.TCPConnector(limit=self.connections),
                timeout=aiohttp.ClientTimeout(total=15),
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


def _problem(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except ValueError:
        return {"detail": content[:200].decode(errors="replace")}
    return body if isinstance(body, dict) else {"detail": str(body)}


def _shed(status: int, problem: dict[str, Any]) -> bool:
    return status in (429, 503) and str(problem.get("type", "")).endswith(SHED)


def _seconds(retry_after: str | None) -> float:
    """Retry-After in seconds (the delay form; an HTTP date counts as a second)."""
    try:
        return max(0.0, float(retry_after or 0))
    except ValueError:
        return 1.0


def _concurrent(status: int, problem: dict[str, Any]) -> bool:
    return status == 409 and str(problem.get("type", "")).endswith("/concurrent-update")


AUTO_CONFIRMED = {
    "confirm-start": ("IN_PROGRESS", "PENDING_COMPLETION_CONFIRMATION", "COMPLETED", "PAID"),
    "confirm-completion": ("COMPLETED", "PAID"),
}
KINDS = ("paid", "partial", "declined", "cancelled", "disputed")
EXPECTED = {
    "paid": "PAID",
    "partial": "PAID",
    "declined": "REJECTED",
    "cancelled": "CANCELLED",
    "disputed": "SETTLED",
}


async def lifecycle(
    api: Api, pair: Pair, kind: str = "paid", hours: str = "1.00", admin: Member | None = None
) -> Outcome:
    """One request from submission to its terminal status; timings of the three saga steps.
    A "disputed" one is disputed while in progress and settled by `admin` with a split (half
    of the hours to the provider), so the disputes service has work too."""
    outcome = Outcome(kind, expected=EXPECTED[kind], started=time.monotonic())
    req, prov = pair.requester, pair.provider
    try:
        body = {"offering_id": pair.offering_id, "hours": hours, "message": "load"}
        t = time.monotonic()
        try:
            submitted = await api.answered(req, "POST", "/v1/requests", body)
        except Shed as shed:
            # not retried (the load generator's open loop moves on), or refused for the whole
            # patience of a client that retries
            outcome.refused_for = shed.retry_after
            return outcome
        rid = outcome.request_id = submitted.body["id"]
        awaiting = {"AWAITING_RESPONSE", "EXPIRED"}
        if await api.status(req, rid, awaiting, submitted) == "EXPIRED":
            outcome.status, outcome.unanswered = "EXPIRED", True
            return outcome
        outcome.timings[SUBMIT] = time.monotonic() - t

        async def act(who: Member, action: str, payload: Any = None) -> Known | None:
            try:
                return await api.answered(who, "POST", f"/v1/requests/{rid}/{action}", payload)
            except Refused as refused:
                # A confirmation the deadline worker made first (auto-confirm) is not an error.
                status = (await api.call(who, "GET", f"/v1/requests/{rid}"))["status"]
                if refused.status != 409 or status not in AUTO_CONFIRMED.get(action, ()):
                    raise
                return None

        if kind == "declined":
            declined = await act(prov, "decline")
            outcome.status = await api.status(req, rid, {"REJECTED"}, declined)
            return outcome
        if kind == "cancelled":
            cancelled = await act(req, "cancel")
            outcome.status = await api.status(req, rid, {"CANCELLED"}, cancelled)
            return outcome
        t = time.monotonic()
        await act(prov, "accept")
        outcome.timings[ACCEPT] = time.monotonic() - t
        await act(prov, "start")
        started = await act(req, "confirm-start")
        if kind == "disputed":
            assert admin is not None, "a disputed lifecycle needs an admin to settle it"
            half = str(Decimal(hours) / 2)
            outcome.status = await _disputed(api, pair, rid, admin, half, started)
            return outcome
        actual = hours if kind == "paid" else str(Decimal(hours) / 2)
        await act(prov, "complete", {"actual_hours": actual})
        t = time.monotonic()
        confirmed = await act(req, "confirm-completion")
        outcome.status = await api.status(req, rid, {"PAID"}, confirmed)
        outcome.timings[PAID] = time.monotonic() - t
        pair.expected_delta += Decimal(actual)
    except (Refused, TimeoutError, aiohttp.ClientError) as failure:
        outcome.error = f"{type(failure).__name__}: {failure}"
    finally:
        outcome.finished = time.monotonic()
    return outcome


async def _disputed(
    api: Api, pair: Pair, rid: str, admin: Member, provider_hours: str, started: Known | None
) -> str:
    """The requester disputes the request in progress; the admin assigns and splits it."""
    await api.status(pair.requester, rid, {"IN_PROGRESS"}, started)
    body = {"request_id": rid, "type": "SERVICE_QUALITY", "description": "load"}
    # accepted PENDING while the disputes service has not seen the request yet
    dispute = await api.call(pair.requester, "POST", "/v1/disputes", body)
    path = f"/v1/disputes/{dispute['id']}"
    # 409 while the dispute is PENDING
    await api.once_allowed(admin, f"{path}/assign", not_yet=CONFLICT)
    split = {"resolution": "SPLIT", "provider_hours": provider_hours, "note": "load"}
    # 409 until the requests service confirmed the request DISPUTED
    await api.once_allowed(admin, f"{path}/resolve", split, not_yet=CONFLICT)
    status = await api.status(pair.requester, rid, {"SETTLED"})
    pair.expected_delta += Decimal(provider_hours)
    return status
