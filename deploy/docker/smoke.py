"""The compose stack driven through its gateway only, for infra/compose-check.

    python deploy/docker/smoke.py --base-url URL lifecycles N   N happy paths at once, each
                                                                 paid to the hundredth
    python deploy/docker/smoke.py --base-url URL reconcile      the ledger's invariants hold

The lifecycles run concurrently so that the check can kill a worker while they are in flight;
each waits long enough for compose to restart it, so a lost event shows as a request that never
reaches PAID or a balance that never settles, not as a timeout of the restart itself.
"""

import argparse
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_stack.client import Caller, Gateway

PATIENCE = 120.0
"""Seconds a step may take: a killed worker's restart and its consumer group's rebalance."""


def settled(caller: Caller, total: str, available: str, escrowed: str) -> None:
    """The caller's balance reaches exactly this (escrow reacts asynchronously)."""
    wanted = {"total": total, "available": available, "escrowed": escrowed}
    deadline = time.monotonic() + PATIENCE
    while (seen := caller.balance()) != wanted:
        if time.monotonic() > deadline:
            raise AssertionError(f"{caller.name}: balance {seen}, expected {wanted}")
        time.sleep(0.5)


def lifecycle(gateway: Gateway) -> str:
    """One request from submission to PAID: 2.00 h moves from requester to provider."""
    tag = uuid.uuid4().hex[:6]
    provider = gateway.register(f"provider-{tag}", timeout=PATIENCE)
    requester = gateway.register(f"requester-{tag}", timeout=PATIENCE)
    offering = provider.offer(f"Gardening {tag}")
    rid: str = requester.submit(offering["id"], "2.00", "my garden")["id"]
    requester.wait_status(rid, "AWAITING_RESPONSE", timeout=PATIENCE)
    settled(requester, "3.00", "1.00", "2.00")
    for actor, action in (
        (provider, "accept"),
        (provider, "start"),
        (requester, "confirm-start"),
    ):
        actor.act(rid, action)
    provider.act(rid, "complete", {"actual_hours": "2.00"})
    requester.act(rid, "confirm-completion")
    paid = requester.wait_status(rid, "PAID", timeout=PATIENCE)
    if (paid["actual_hours"], paid["actual_amount"]) != ("2.00", "2.00"):
        raise AssertionError(f"{rid}: paid {paid}")
    settled(requester, "1.00", "1.00", "0.00")
    settled(provider, "5.00", "5.00", "0.00")
    return rid


def lifecycles(gateway: Gateway, count: int) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=count) as pool:
        paid = list(pool.map(lambda _: lifecycle(gateway), range(count)))
    print(f"{len(paid)} requests PAID, balances exact, in {time.monotonic() - started:.1f} s")
    for rid in paid:
        print(f"  {rid}")


def reconcile(gateway: Gateway) -> None:
    admin = gateway.register(f"admin-{uuid.uuid4().hex[:6]}", admin=True, timeout=PATIENCE)
    report: dict[str, Any] = admin.get("/v1/ledger/reconciliation")
    print(
        f"reconciliation: ok={report['ok']} accounts={report['accounts']} "
        f"transactions={report['transactions']} violations={report['violations']}"
    )
    if not report["ok"] or report["violations"]:
        raise AssertionError("the ledger does not reconcile")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lifecycles").add_argument("count", type=int)
    commands.add_parser("reconcile")
    args = parser.parse_args(argv)
    gateway = Gateway(args.base_url, os.environ.get("HOURBANK_JWT_SECRET", DEV_JWT_SECRET))
    try:
        if args.command == "lifecycles":
            lifecycles(gateway, args.count)
        else:
            reconcile(gateway)
    finally:
        gateway.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
