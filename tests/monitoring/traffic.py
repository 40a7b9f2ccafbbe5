"""Traffic through the gateway that touches every metric the dashboards read: paid, declined
and disputed lifecycles, a rating, a resolved dispute, the notifications API."""

import threading
import uuid
from typing import Any

from hourbank_stack.client import ApiError, Caller, Gateway


def pair(gateway: Gateway) -> tuple[Caller, Caller, dict[str, Any]]:
    """A provider with an offering (72 business hours to answer), a requester with the bonus."""
    tag = uuid.uuid4().hex[:6]
    provider = gateway.register(f"provider-{tag}")
    requester = gateway.register(f"requester-{tag}")
    return provider, requester, provider.offer(f"Monitoring {tag}", window_hours=72)


def submitted(requester: Caller, offering: dict[str, Any], hours: str) -> str:
    request = requester.submit(offering["id"], hours, "monitoring")
    requester.wait_status(request["id"], "AWAITING_RESPONSE")
    return str(request["id"])


def in_progress(provider: Caller, requester: Caller, offering: dict[str, Any]) -> str:
    rid = submitted(requester, offering, "0.50")
    provider.act(rid, "accept")
    provider.act(rid, "start")
    requester.act(rid, "confirm-start")
    requester.wait_status(rid, "IN_PROGRESS")
    return rid


def paid_and_rated(provider: Caller, requester: Caller, offering: dict[str, Any]) -> None:
    rid = in_progress(provider, requester, offering)
    provider.act(rid, "complete", {"actual_hours": "0.50"})
    requester.wait_status(rid, "PENDING_COMPLETION_CONFIRMATION", "PAID")
    if requester.request(rid)["status"] != "PAID":  # else the deadline confirmed it first
        requester.send("POST", f"/v1/requests/{rid}/confirm-completion")
    requester.wait_status(rid, "PAID")
    requester.post(f"/v1/requests/{rid}/rating", {"score": 5})


def declined(provider: Caller, requester: Caller, offering: dict[str, Any]) -> None:
    rid = submitted(requester, offering, "0.25")
    provider.act(rid, "decline")
    requester.wait_status(rid, "REJECTED")


def disputed_and_resolved(
    admin: Caller, provider: Caller, requester: Caller, offering: dict[str, Any]
) -> None:
    rid = in_progress(provider, requester, offering)
    body = {"request_id": rid, "type": "SERVICE_QUALITY", "description": "not as agreed"}
    dispute = requester.post("/v1/disputes", body)
    requester.wait_status(rid, "DISPUTED")
    admin.post(f"/v1/disputes/{dispute['id']}/assign")
    resolution = {"resolution": "PAY_PROVIDER", "note": "monitoring"}
    admin.post(f"/v1/disputes/{dispute['id']}/resolve", resolution)
    requester.wait_status(rid, "PAID")


def every_kind(gateway: Gateway) -> None:
    """One lifecycle of each kind, on two pairs."""
    admin = gateway.register(f"admin-{uuid.uuid4().hex[:6]}", admin=True)
    provider, requester, offering = pair(gateway)
    paid_and_rated(provider, requester, offering)
    declined(provider, requester, offering)
    provider, requester, offering = pair(gateway)
    disputed_and_resolved(admin, provider, requester, offering)
    paid_and_rated(provider, requester, offering)
    assert provider.notifications(), "the notifications API (and its worker) saw nothing"


class Submitter(threading.Thread):
    """Submits small requests at `rate` per second until stopped, each for a new offering (one
    open request per offering and requester): events for the escrow consumer (it places the
    holds), whether it runs or not. While escrow does not answer, the requests service soon
    sheds submissions at the door (503 `overloaded`, `Retry-After`): counted in `shed`, they are
    the system working; the offerings keep coming, and with them the escrow group's lag."""

    def __init__(self, provider: Caller, requester: Caller, rate: float = 2.0):
        super().__init__(daemon=True)
        self.provider, self.requester, self.pause = provider, requester, 1 / rate
        self.halt = threading.Event()
        self.sent = 0
        self.shed = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.halt.wait(self.pause):
            try:
                offering = self.provider.offer(f"Lag {self.sent}", window_hours=72)
                self.requester.submit(offering["id"], "0.01", "lag")
                self.sent += 1
            except ApiError as refused:
                kind = str(refused.problem.get("type"))
                if refused.status == 503 and kind.endswith("/overloaded"):
                    self.shed += 1
                else:
                    self.errors.append(repr(refused))
            except Exception as failed:
                self.errors.append(repr(failed))

    def stop(self) -> None:
        self.halt.set()
        self.join(10)
