"""A small client of HourBank's public API through the gateway, with development tokens.

Used by the demo, the end-to-end tests and the load generator; it only speaks HTTP.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from hourbank_shared.auth.devtoken import dev_token

T = TypeVar("T")


class ApiError(Exception):
    """A non-2xx answer, with its problem+json body."""

    def __init__(self, response: httpx.Response):
        self.status = response.status_code
        try:
            self.problem: dict[str, Any] = response.json()
        except ValueError:
            self.problem = {"detail": response.text[:200]}
        method, path = response.request.method, response.request.url.path
        super().__init__(f"{method} {path} → {self.status}: {self.problem.get('detail')}")


class Caller:
    """One member (or admin) calling the API with their own token."""

    def __init__(self, gateway: "Gateway", member_id: uuid.UUID, token: str, name: str = ""):
        self.gateway = gateway
        self.id = member_id
        self.name = name or str(member_id)[:8]
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        headers = dict(self.headers)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.gateway.http.request(method, path, json=body, params=params, headers=headers)

    def get(self, path: str, **params: Any) -> Any:
        return _body(self.send("GET", path, params=params or None))

    def post(self, path: str, body: Any = None, *, idempotency_key: str | None = None) -> Any:
        return _body(self.send("POST", path, body, idempotency_key=idempotency_key))

    def patch(self, path: str, body: Any) -> Any:
        return _body(self.send("PATCH", path, body))

    def put(self, path: str, body: Any) -> Any:
        return _body(self.send("PUT", path, body))

    def delete(self, path: str) -> Any:
        return _body(self.send("DELETE", path))

    # The steps every walk through the API takes.

    def balance(self) -> dict[str, str]:
        account = self.get("/v1/accounts/me")
        return {k: account[k] for k in ("total", "available", "escrowed")}

    def request(self, request_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/v1/requests/{request_id}")
        return result

    def wait_status(self, request_id: str, *statuses: str, timeout: float = 30) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            request = self.request(request_id)
            return request if request["status"] in statuses else None

        return wait_for(reached, f"request {request_id} to be {'/'.join(statuses)}", timeout)

    def offer(
        self,
        title: str,
        rate: str = "1.00",
        window_hours: int = 72,
        *,
        approved: bool = True,
        **more: Any,
    ) -> Any:
        """A new offering. When the bank reviews offerings (`hourbank up --offering-review`) it
        waits in PENDING_REVIEW; with `approved`, a development admin approves it at once, so
        that members can request it (the demo, the load, most tests)."""
        body: dict[str, Any] = {"title": title, "category": "general", "rate": rate}
        body |= {"response_window_hours": window_hours, **more}
        offering = self.post("/v1/offerings", body)
        if approved and offering.get("status") == "PENDING_REVIEW":
            reviewer = self.gateway.caller(admin=True, name="reviewer")
            path = f"/v1/offerings/{offering['id']}/approve"
            offering = reviewer.post(path, {"note": "approved by the development client"})
        return offering

    def submit(self, offering_id: str, hours: str, message: str = "") -> Any:
        body = {"offering_id": offering_id, "hours": hours, "message": message}
        return self.post("/v1/requests", body, idempotency_key=str(uuid.uuid4()))

    def act(self, request_id: str, action: str, body: Any = None) -> Any:
        return self.post(f"/v1/requests/{request_id}/{action}", body)

    def notifications(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get("/v1/notifications", limit=100)["items"]
        return items


class Gateway:
    """The base URL and the development signing secret; hands out callers."""

    def __init__(self, base_url: str, secret: str, timeout: float = 10):
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.secret = secret

    def caller(
        self, member_id: uuid.UUID | None = None, *, admin: bool = False, name: str = ""
    ) -> Caller:
        member_id = member_id or uuid.uuid4()
        return Caller(self, member_id, dev_token(member_id, self.secret, admin=admin), name)

    def register(self, name: str, *, admin: bool = False, timeout: float = 30) -> Caller:
        """A new member, returned once escrow opened their account (the welcome bonus)."""
        caller = self.caller(admin=admin, name=name)
        caller.post("/v1/members", {"display_name": name})

        def account_open() -> bool:
            return bool(caller.get("/v1/accounts/me")["status"] != "OPENING")

        wait_for(account_open, f"the account of {name}", timeout)
        return caller

    def close(self) -> None:
        self.http.close()


def _body(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise ApiError(response)
    return None if response.status_code == 204 or not response.content else response.json()


def wait_for(check: Callable[[], T | bool | None], what: str, timeout: float = 30) -> T:
    """Poll `check` until it returns something truthy; TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f}s for {what}")
        time.sleep(0.05)
