"""What escrow publishes, as an analyst reads it: through the relay onto the real topics,
exactly once, keyed by request and by member; summing the ledger stream gives the balances."""

import json
import threading
from collections import defaultdict
from decimal import Decimal

from hourbank_escrow.handlers import CONSUMER
from hourbank_shared.contracts import topics
from hourbank_shared.kafka import ensure_topics
from hourbank_shared.process import run_relay
from hourbank_shared.testing.infra import Infra
from hourbank_shared.topic_reader import end_offsets, read_all
from hourbank_shared.topics import all_specs

from .saga_feed import escrow_for, migrate, running_feed
from .story import Story, registered


def test_escrow_and_ledger_topics_carry_each_event_once_and_sum_to_the_balances(
    infra: Infra, database_url: str
) -> None:
    ensure_topics(infra.bootstrap, all_specs())
    since = {topic: end_offsets(infra.bootstrap, topic) for topic in (topics.ESCROW, topics.LEDGER)}
    migrate(database_url)
    escrow = escrow_for(database_url)
    story = Story()
    with running_feed(escrow, infra.bootstrap) as feed:
        for member in (story.requester_id, story.provider_id):
            feed.send(registered(member))
        feed.send(story.submitted("2.00"))
        feed.send(story.completed("2.00", "1.25"))
        requester, provider = feed.balance(story.requester_id), feed.balance(story.provider_id)

    stop = threading.Event()
    relay = threading.Thread(
        target=run_relay,
        args=(f"{CONSUMER}-{story.request_id.hex[:8]}", database_url, infra.bootstrap, stop),
    )
    relay.start()
    try:
        escrow_events = read_all(infra.bootstrap, topics.ESCROW, 2, 60, since[topics.ESCROW])
        ledger_events = read_all(infra.bootstrap, topics.LEDGER, 8, 60, since[topics.LEDGER])
    finally:
        stop.set()
        relay.join(30)
        escrow.engine.dispose()

    ours = [json.loads(v) for k, v, _ in escrow_events if k == str(story.request_id)]
    assert [e["type"] for e in ours] == ["hourbank.escrow.held.v1", "hourbank.escrow.released.v1"]
    parties = {str(story.requester_id), str(story.provider_id)}
    balance_events = [json.loads(v) for k, v, _ in ledger_events if k in parties]
    ids = [e["id"] for e in balance_events]
    assert len(ids) == len(set(ids)), "a ledger event was published twice"
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for event in balance_events:
        if event["type"] == "hourbank.ledger.balance_changed.v1":
            summed[event["data"]["member_id"]] += Decimal(event["data"]["delta_total"])
    assert summed[str(story.requester_id)] == requester[0] == Decimal("1.75")
    assert summed[str(story.provider_id)] == provider[0] == Decimal("4.25")
