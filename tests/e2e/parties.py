"""The members a test needs: a provider with an offering and a requester, both new."""

import uuid
from dataclasses import dataclass
from typing import Any

from hourbank_stack.client import Caller, Gateway

E2E_TIME_SCALE = 14400.0
"""One business hour lasts 0.25 s: a 2 h response window 0.5 s, a 48 h confirmation 12 s."""


@dataclass
class Pair:
    """A provider with an offering, and a requester with the welcome bonus (3.00 h)."""

    provider: Caller
    requester: Caller
    offering: dict[str, Any]

    def submit(self, hours: str) -> dict[str, Any]:
        """A request for the offering, once escrow held the hours (AWAITING_RESPONSE)."""
        submitted = self.requester.submit(self.offering["id"], hours, "please")
        return self.requester.wait_status(submitted["id"], "AWAITING_RESPONSE")

    def accepted(self, hours: str) -> dict[str, Any]:
        request = self.submit(hours)
        return self.provider.act(request["id"], "accept")

    def in_progress(self, hours: str) -> dict[str, Any]:
        request = self.accepted(hours)
        self.provider.act(request["id"], "start")
        return self.requester.act(request["id"], "confirm-start")


def make_pair(gateway: Gateway, rate: str = "1.00", window_hours: int = 72) -> Pair:
    tag = uuid.uuid4().hex[:6]
    provider = gateway.register(f"provider-{tag}")
    requester = gateway.register(f"requester-{tag}")
    offering = provider.offer(f"Gardening {tag}", rate=rate, window_hours=window_hours)
    return Pair(provider, requester, offering)


def open_dispute(party: Caller, request_id: str, type_: str = "SERVICE_QUALITY") -> dict[str, Any]:
    """Opened at once, right after the last action: the disputes service does not refuse on
    its view of the request, which may lag behind (the requests service confirms)."""
    body = {"request_id": request_id, "type": type_, "description": "not what we agreed"}
    dispute: dict[str, Any] = party.post("/v1/disputes", body)
    return dispute
