"""The contract's topics read back as a read_committed consumer would, from a test's start."""

import json
import time
from collections.abc import Callable
from typing import Any

from hourbank_shared.contracts import topics
from hourbank_shared.topic_reader import end_offsets, read_all

Event = dict[str, Any]
"""A CloudEvents envelope as published (`type`, `data`, …)."""


class TopicWatch:
    """Where each topic ended when the test started; reads only the events after that."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.since = {topic: end_offsets(bootstrap, topic) for topic in topics.ALL}

    def events(self, topic: str, key: str) -> list[Event]:
        """The events of one aggregate (the Kafka key) published since the start, in order."""
        records = read_all(self.bootstrap, topic, 0, timeout=15, since=self.since[topic])
        return [json.loads(value) for k, value, _ in records if k == key]

    def expect(
        self,
        topic: str,
        key: str,
        types: list[str],
        keep: Callable[[Event], bool] = lambda _: True,
        timeout: float = 30,
    ) -> list[Event]:
        """Exactly these event types for the key (those `keep` selects), in this order: waits
        until as many arrived, then compares (so one missing, extra or duplicated fails)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events(topic, key) if keep(e)]
            if len(found) >= len(types) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert [e["type"] for e in found] == types, f"events on {topic} for {key}"
        return found

    def requests(self, request_id: str, *names: str) -> list[Event]:
        """`expect` on the requests topic, with short names: "submitted" for
        hourbank.request.submitted.v1."""
        types = [f"hourbank.request.{name}.v1" for name in names]
        return self.expect(topics.REQUESTS, request_id, types)

    def escrow(self, request_id: str, *names: str) -> list[Event]:
        """`expect` on the escrow topic: "held" for hourbank.escrow.held.v1."""
        types = [f"hourbank.escrow.{name}.v1" for name in names]
        return self.expect(topics.ESCROW, request_id, types)

    def disputes(self, request_id: str, *names: str) -> list[Event]:
        """`expect` on the disputes topic: "opened" for hourbank.dispute.opened.v1."""
        types = [f"hourbank.dispute.{name}.v1" for name in names]
        return self.expect(topics.DISPUTES, request_id, types)

    def postings(self, member_id: str, *transaction_types: str) -> list[dict[str, Any]]:
        """The member's balance_changed postings since the start, exactly of these transaction
        types in this order; returns their payloads."""
        posting = "hourbank.ledger.balance_changed.v1"
        events = self.expect(
            topics.LEDGER,
            member_id,
            [posting] * len(transaction_types),
            keep=lambda e: e["type"] == posting,
        )
        payloads = [e["data"] for e in events]
        assert [p["transaction_type"] for p in payloads] == list(transaction_types)
        return payloads
