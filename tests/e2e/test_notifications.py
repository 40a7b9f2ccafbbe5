"""Notifications through the gateway: the live stream (server-sent events, unbuffered by the
gateway), reading and the unread count."""

import json
from typing import Any

import httpx
import pytest

from hourbank_stack.client import Caller, Gateway

from .checks import notified

pytestmark = pytest.mark.integration


def next_notification(lines: Any) -> dict[str, Any]:
    """The data of the next `event: notification` on the stream."""
    event = ""
    for line in lines:
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:") and event == "notification":
            found: dict[str, Any] = json.loads(line.removeprefix("data:"))
            return found
    raise AssertionError("the stream ended without a notification")


def test_stream_delivers_new_notifications_live(gateway: Gateway, admin: Caller) -> None:
    member = gateway.register("listener")
    timeout = httpx.Timeout(10, read=20)
    with gateway.http.stream(
        "GET", "/v1/notifications/stream", headers=member.headers, timeout=timeout
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == ": connected"
        adjustment = {"amount": "0.50", "reason": "live test"}
        done = admin.post(f"/v1/accounts/{member.id}/adjustments", adjustment)
        note = next_notification(lines)
        while note["type"] != "BALANCE_ADJUSTED":  # the welcome bonus may still come first
            note = next_notification(lines)
    assert note["related_id"] == done["transaction_id"]
    assert "+0.50 h" in note["message"]


def test_reading_notifications(gateway: Gateway, admin: Caller) -> None:
    member = gateway.register("reader")
    done = admin.post(f"/v1/accounts/{member.id}/adjustments", {"amount": "1.00", "reason": "x"})
    notified(member, "BALANCE_ADJUSTED", done["transaction_id"])
    unread = member.get("/v1/notifications/unread-count")["unread"]
    assert unread == len(member.get("/v1/notifications", unread_only=True)["items"]) >= 1
    one = member.notifications()[0]
    read = member.post(f"/v1/notifications/{one['id']}/read")
    assert read["read_at"] is not None
    assert member.get("/v1/notifications/unread-count")["unread"] == unread - 1
    assert member.post("/v1/notifications/read-all")["marked"] == unread - 1
    assert member.get("/v1/notifications/unread-count")["unread"] == 0
