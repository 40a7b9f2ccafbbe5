"""`hourbank demo`: two walks through the running system, only over the public API.

1. Ada asks Bo for two hours of gardening; Bo accepts; both confirm start and completion;
   the hours are paid; both rate each other.
2. Bo asks Ada for help moving; Ada counters with more hours; Bo accepts the offer; after the
   start Bo disputes the quality; an admin settles it by a split.

Each step prints the request's status, both balances and the notifications that arrived.
"""

import time
from typing import Any

import httpx

from hourbank_stack.client import ApiError, Caller, Gateway, wait_for


class Walk:
    def __init__(self, gateway: Gateway, requester: Caller, provider: Caller):
        self.gateway = gateway
        self.requester = requester
        self.provider = provider
        self.seen: set[str] = set()
        self.request_id = ""

    def show(self, step: str, request: dict[str, Any] | None = None) -> None:
        status = f"  [{request['status']}]" if request else ""
        print(f"\n● {step}{status}")
        for member in (self.requester, self.provider):
            b = member.balance()
            print(
                f"    {member.name:<4} balance {b['total']:>6} h "
                f"(available {b['available']}, in escrow {b['escrowed']})"
            )
        for member in (self.requester, self.provider):
            for note in reversed(member.notifications()):
                if note["id"] not in self.seen:
                    self.seen.add(note["id"])
                    print(f"    ✉ {member.name}: {note['title']} — {note['message']}")

    def settle(self, *statuses: str, timeout: float = 30) -> dict[str, Any]:
        """The request once it reached one of `statuses`, then a moment for notifications."""
        request = self.requester.wait_status(self.request_id, *statuses, timeout=timeout)
        time.sleep(0.3)
        return request

    def act(self, who: Caller, action: str, body: Any = None) -> dict[str, Any]:
        result: dict[str, Any] = who.act(self.request_id, action, body)
        return result


def run_demo(base_url: str, secret: str) -> None:
    gateway = Gateway(base_url, secret)
    try:
        _check_running(gateway, base_url)
        print(f"HourBank demo against {base_url}")
        ada = gateway.register("Ada")
        bo = gateway.register("Bo")
        admin = gateway.caller(admin=True, name="Admin")
        first_walk(gateway, ada, bo)
        second_walk(gateway, ada, bo, admin)
        report = admin.get("/v1/ledger/reconciliation")
        verdict = "clean" if report["ok"] else f"VIOLATIONS: {report['violations']}"
        print(f"\nLedger reconciliation: {verdict} ({report['transactions']} transactions)")
        print("Demo complete.")
    except (ApiError, TimeoutError) as failure:
        raise SystemExit(f"demo failed: {failure}") from None
    finally:
        gateway.close()


def _check_running(gateway: Gateway, base_url: str) -> None:
    try:
        gateway.http.get("/healthz", timeout=3).raise_for_status()
    except httpx.HTTPError:
        raise SystemExit(
            f"HourBank does not answer at {base_url}: start it first (`make up` or `make start`)"
        ) from None


def first_walk(gateway: Gateway, ada: Caller, bo: Caller) -> None:
    print("\n=== Walk 1: a request from submission to PAID, with ratings ===")
    walk = Walk(gateway, ada, bo)
    walk.show("Ada and Bo registered; each got the welcome bonus")
    offering = bo.offer("Garden work", rate="1.00", window_hours=72)
    print(f"\n● Bo offers “{offering['title']}” at {offering['rate']} h per hour")
    walk.request_id = ada.submit(offering["id"], "2.00", "Hedge trimming, please")["id"]
    walk.show("Ada asks for 2.00 h; escrow holds them", walk.settle("AWAITING_RESPONSE"))
    walk.act(bo, "accept")
    walk.show("Bo accepts", walk.settle("ACCEPTED"))
    walk.act(bo, "start")
    walk.show("Bo starts the work", walk.settle("PENDING_START_CONFIRMATION"))
    walk.act(ada, "confirm-start")
    walk.show("Ada confirms the start", walk.settle("IN_PROGRESS"))
    walk.act(bo, "complete", {"actual_hours": "2.00"})
    walk.show("Bo reports 2.00 h done", walk.settle("PENDING_COMPLETION_CONFIRMATION"))
    walk.act(ada, "confirm-completion")
    walk.show("Ada confirms; escrow pays Bo", walk.settle("PAID"))
    walk.act(ada, "rating", {"score": 5, "comment": "Lovely hedge"})
    walk.act(bo, "rating", {"score": 5, "comment": "Kind and clear"})
    profile = ada.get(f"/v1/members/{bo.id}")
    walk.show(
        f"Both rate each other; Bo's rating {profile['rating_average']} "
        f"({profile['rating_count']} rating)"
    )


def second_walk(gateway: Gateway, ada: Caller, bo: Caller, admin: Caller) -> None:
    print("\n=== Walk 2: a counter-offer, then a dispute settled by a split ===")
    walk = Walk(gateway, bo, ada)
    walk.seen = {n["id"] for m in (ada, bo) for n in m.notifications()}
    offering = ada.offer("Help moving house", rate="1.00", window_hours=72)
    print(f"\n● Ada offers “{offering['title']}” at {offering['rate']} h per hour")
    walk.request_id = bo.submit(offering["id"], "2.00", "Boxes to the van")["id"]
    walk.show("Bo asks Ada for 2.00 h", walk.settle("AWAITING_RESPONSE"))
    walk.act(ada, "counter", {"hours": "3.00", "message": "It is three hours' work"})
    walk.show("Ada counters with 3.00 h", walk.settle("NEGOTIATING"))
    walk.act(bo, "accept-offer")
    walk.show("Bo accepts the offer; escrow tops the hold up to 3.00 h", walk.settle("ACCEPTED"))
    walk.act(ada, "start")
    walk.act(bo, "confirm-start")
    walk.show("The work starts", walk.settle("IN_PROGRESS"))
    body = {"request_id": walk.request_id, "type": "SERVICE_QUALITY", "description": "Half done"}
    dispute = bo.post("/v1/disputes", body)
    walk.show("Bo opens a dispute; escrow freezes the hold", walk.settle("DISPUTED"))
    path = f"/v1/disputes/{dispute['id']}"
    wait_for(lambda: _accepts(admin, f"{path}/assign"), "the dispute to be assigned", 30)
    resolution = {"resolution": "SPLIT", "provider_hours": "1.50", "note": "Half of the work"}
    wait_for(
        lambda: _accepts(admin, f"{path}/resolve", resolution), "the dispute to be confirmed", 30
    )
    walk.show(
        "The admin settles it by a split: Ada is paid 1.50 h, Bo gets 1.50 h back",
        walk.settle("SETTLED"),
    )


def _accepts(admin: Caller, path: str, body: Any = None) -> bool:
    """Act on the dispute; a 409 means not yet (resolving waits until the requests service
    confirmed the request is DISPUTED, which arrives asynchronously), and nothing was done."""
    try:
        admin.post(path, body)
    except ApiError as refused:
        if refused.status == 409:
            return False
        raise
    return True
