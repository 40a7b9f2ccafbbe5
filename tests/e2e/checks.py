"""What the e2e tests assert again and again: balances, history, notifications, problems."""

import contextlib
import time
from datetime import datetime
from typing import Any

import httpx

from hourbank_stack.client import Caller, wait_for

from .parties import E2E_TIME_SCALE

PROBLEM_JSON = "application/problem+json"


def balance(total: str, available: str, escrowed: str) -> dict[str, str]:
    return {"total": total, "available": available, "escrowed": escrowed}


def settles_at(caller: Caller, total: str, available: str, escrowed: str) -> None:
    """The caller's balance reaches exactly this (escrow reacts asynchronously)."""
    wanted = balance(total, available, escrowed)
    deadline = time.monotonic() + 30
    while (seen := caller.balance()) != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen == wanted, f"{caller.name}'s balance"


Step = tuple[str | None, str, str, str]


def triggers(caller: Caller, request_id: str, until: str | None = None) -> list[Step]:
    """The request's history as (from, to, trigger, actor); with `until`, once its last step
    has that trigger (a step another service causes may still be on its way)."""

    def steps() -> list[Step]:
        found = caller.get(f"/v1/requests/{request_id}/history")
        return [(s["from_status"], s["to_status"], s["trigger"], s["actor"]) for s in found]

    if until is not None:
        with contextlib.suppress(TimeoutError):
            wait_for(lambda: steps()[-1][2] == until, f"the {until} step", timeout=30)
    return steps()


def business_hours_left(caller: Caller, request: dict[str, Any]) -> float:
    """The request's deadline, from its last step, in business hours at the e2e time scale
    (so the 72 h of a response window read 72, give or take a few minutes)."""
    last = caller.get(f"/v1/requests/{request['id']}/history")[-1]["at"]
    left = datetime.fromisoformat(request["deadline_at"]) - datetime.fromisoformat(last)
    return left.total_seconds() * E2E_TIME_SCALE / 3600


def notified(caller: Caller, type_: str, related_id: str) -> dict[str, Any]:
    """The caller's notification of this type about this request or dispute."""

    def found() -> dict[str, Any] | None:
        return next(
            (
                n
                for n in caller.notifications()
                if n["type"] == type_ and n["related_id"] == related_id
            ),
            None,
        )

    return wait_for(found, f"a {type_} notification for {caller.name}", timeout=30)


def problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """A problem+json answer with this status whose `detail` says each of `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    detail = body.get("detail")
    assert isinstance(detail, str) and detail, body
    for word in words:
        assert word.lower() in detail.lower(), body
    return body
