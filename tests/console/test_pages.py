"""Each page of the console renders what it is for, from the running stack: the dispute queue
and its filter, the offering review queue, the reports queue, a request's timeline, the member
lookup, operations (reconciliation, KPIs, dead letters with a replay), and a refusal's
problem+json detail."""

import re
import uuid
from datetime import datetime
from typing import Any

import pytest
from confluent_kafka import Producer
from playwright.sync_api import expect

from hourbank_shared.kafka import replay_topic
from hourbank_stack.client import Caller, Gateway, wait_for
from hourbank_stack.supervisor import running_stack

from ..e2e.parties import make_pair, open_dispute
from .conftest import Console

pytestmark = pytest.mark.integration


def test_the_dispute_queue_filters_by_status(gateway: Gateway, console: Console) -> None:
    pair = make_pair(gateway)
    dispute = open_dispute(pair.requester, pair.accepted("1.00")["id"])
    page = console.open()
    row = page.locator(f'tr[data-dispute="{dispute["id"]}"]')
    expect(row).to_contain_text("SERVICE_QUALITY")
    page.get_by_label("Status").select_option("Resolved")
    expect(page.locator(".loading")).to_have_count(0)
    expect(row).to_have_count(0)
    page.get_by_label("Status").select_option("Open")
    expect(row).to_be_visible()


def test_the_offering_review_queue_approves_and_rejects(gateway: Gateway, console: Console) -> None:
    state = running_stack() or {}
    if str(state.get("offering_review", "false")).lower() != "true":
        pytest.skip("the stack does not review offerings (hourbank up --offering-review)")
    provider = gateway.register(f"provider-{uuid.uuid4().hex[:6]}")
    kept = provider.offer(
        f"Bike repair {uuid.uuid4().hex[:4]}",
        approved=False,
        description="Punctures, brakes and gears, in your yard.",
    )
    dropped = provider.offer(
        f"Tarot {uuid.uuid4().hex[:4]}",
        approved=False,
        description="Your future, in hours.",
    )
    assert (kept["status"], dropped["status"]) == ("PENDING_REVIEW", "PENDING_REVIEW")

    page = console.open("offerings")
    expect(page.locator(f'tr[data-offering="{kept["id"]}"]')).to_contain_text(kept["title"])
    console.shot("offerings")
    page.get_by_label(f"Note or reason for {kept['title']}").fill("looks fine")
    page.locator(f'tr[data-offering="{kept["id"]}"]').get_by_role("button", name="Approve").click()
    rejecting = page.locator(f'tr[data-offering="{dropped["id"]}"]')
    rejecting.get_by_label(f"Note or reason for {dropped['title']}").fill("not a service")
    rejecting.get_by_role("button", name="Reject").click()
    expect(page.locator(f'tr[data-offering="{kept["id"]}"]')).to_have_count(0)
    expect(rejecting).to_have_count(0)
    assert provider.get(f"/v1/offerings/{kept['id']}")["status"] == "APPROVED"
    assert provider.get(f"/v1/offerings/{dropped['id']}")["status"] == "REJECTED"


def test_the_reports_queue_resolves_a_report_with_an_action(
    gateway: Gateway, console: Console, admin: Caller
) -> None:
    pair = make_pair(gateway)
    body = {
        "subject_type": "OFFERING",
        "subject_id": pair.offering["id"],
        "reason": "SPAM",
        "text": "The same ad five times a day.",
    }
    report = pair.requester.post("/v1/reports", body)
    page = console.open("reports")
    row = page.locator(f'tr[data-report="{report["id"]}"]')
    expect(row).to_contain_text("The same ad five times a day.")
    expect(row).to_contain_text("SPAM")
    console.shot("reports")
    short = report["id"][:8]
    row.get_by_label(f"Action on report {short}").select_option("WITHDRAW_OFFERING")
    row.get_by_label(f"Note on report {short}").fill("Spam, withdrawn.")
    row.get_by_role("button", name="Resolve").click()
    expect(row).to_have_count(0)
    resolved = admin.get(f"/v1/reports/{report['id']}")
    assert (resolved["status"], resolved["action"]) == ("RESOLVED", "WITHDRAW_OFFERING")
    page.get_by_label("Status").select_option("RESOLVED")
    expect(row).to_contain_text("WITHDRAW_OFFERING")


def test_a_request_timeline_merges_every_service_by_time(
    gateway: Gateway, console: Console
) -> None:
    pair = make_pair(gateway)
    rid = pair.in_progress("1.00")["id"]
    pair.provider.act(rid, "complete", {"actual_hours": "1.00"})
    pair.requester.act(rid, "confirm-completion")
    pair.requester.wait_status(rid, "PAID")
    wait_for(
        lambda: any(n["type"] == "REQUEST_PAID" for n in pair.provider.notifications()),
        "the provider to be told of the payment",
    )

    page = console.open(f"requests/{rid}")
    rows = page.locator("table.timeline tbody tr")
    expect(page.locator("table.timeline tr[data-source=escrow]").first).to_be_visible()
    expect(page.locator("table.timeline tr[data-source=notification]").first).to_be_visible()
    expect(rows.filter(has_text="COMPLETED → PAID")).to_have_count(1)
    expect(rows.filter(has_text="ESCROW_RELEASE")).to_have_count(1)
    console.shot("timeline")
    shown = rows.locator("time").evaluate_all("ts => ts.map(t => t.dateTime)")
    times = [datetime.fromisoformat(at) for at in shown]
    assert times == sorted(times), shown
    sources = set(rows.evaluate_all("rs => rs.map(r => r.dataset.source)"))
    assert sources == {"request", "escrow", "notification"}


def test_member_lookup_finds_a_member_with_balance_and_transactions(
    gateway: Gateway, console: Console
) -> None:
    name = f"Lookup {uuid.uuid4().hex[:8]}"
    member = gateway.register(name)
    page = console.open("members")
    page.get_by_label("Name, email or id").fill(name.split()[1])
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=name).click()
    expect(page.locator('[data-field="display_name"]')).to_have_text(name)
    expect(page.get_by_label("Balance").locator('[data-field="total"]')).to_have_text("3.00")
    transactions = page.get_by_role("table", name="Transactions")
    expect(transactions).to_contain_text("WELCOME_BONUS")
    assert page.url.endswith(f"#/members/{member.id}")


def _poison_for_escrow(bootstrap: str) -> int:
    """An unparseable message on escrow's replay topic (read by escrow's consumer alone, so
    no other test sees it): escrow dead-letters it. Its offset there."""
    delivered: list[int] = []
    producer = Producer({"bootstrap.servers": bootstrap})
    value = f"console test {uuid.uuid4()}: not an event".encode()

    def on_delivery(error: object, message: Any) -> None:
        if error is None:
            delivered.append(message.offset())

    producer.produce(replay_topic("escrow"), value, key=b"console-test", on_delivery=on_delivery)
    producer.flush(10)
    assert delivered, "the poison message was not delivered"
    return delivered[0]


def _dead_letters(admin: Caller, service: str) -> list[dict[str, Any]]:
    """Every dead letter of the service's consumer (all pages), oldest first."""
    letters: list[dict[str, Any]] = []
    after: dict[str, str] = {}
    while True:
        page = admin.get(f"/v1/dead-letters/{service}", limit=200, **after)
        letters += page["items"]
        if page["next_cursor"] is None:
            return letters
        after = {"cursor": page["next_cursor"]}


def test_operations_show_reconciliation_kpis_and_replay_a_dead_letter(
    console: Console, admin: Caller, bootstrap: str
) -> None:
    offset = _poison_for_escrow(bootstrap)
    topic = replay_topic("escrow")

    def from_replay_topic(after: int) -> dict[str, Any] | None:
        """The first dead letter of what was read from escrow's replay topic after `after`."""
        letters = _dead_letters(admin, "escrow")
        found = [x for x in letters if x["topic"] == topic and x["offset"] >= after]
        return found[0] if found else None

    letter = wait_for(lambda: from_replay_topic(offset), "escrow to dead-letter the poison", 60)
    assert (letter["offset"], letter["reason"]) == (offset, "unparseable")
    assert not letter["replayed"]

    page = console.open("operations")
    expect(page.get_by_test_id("reconciliation")).to_contain_text("Ledger consistent")
    for kpi in ("workflow_success", "completion_rate", "payment_success", "resolution_p95_seconds"):
        expect(page.locator(f'[data-kpi="{kpi}"]')).to_be_visible()
    for service in ("requests", "escrow", "disputes", "notifications"):
        expect(page.get_by_test_id(f"dead-letters-{service}")).to_have_text(re.compile(r"^\d+$"))
    row = page.locator(f'[data-service="escrow"] tr[data-position="{letter["position"]}"]')
    expect(row).to_contain_text("unparseable")
    console.shot("operations")
    row.get_by_role("button", name="Replay").click()
    expect(row).to_contain_text("replayed")
    # sent back to escrow's replay topic, read again, and dead-lettered again
    again = wait_for(lambda: from_replay_topic(offset + 1), "the replayed message's return", 60)
    assert again["reason"] == "unparseable"


def test_a_refusal_shows_the_problem_detail(gateway: Gateway, console: Console) -> None:
    member = gateway.register(f"member-{uuid.uuid4().hex[:6]}")
    console.caller = member
    page = console.open("operations")
    expect(page.locator(".signin, .warning")).to_have_count(0)
    alert = page.get_by_role("alert").first
    expect(alert).to_contain_text("403")
    expect(alert).to_contain_text("admin")
