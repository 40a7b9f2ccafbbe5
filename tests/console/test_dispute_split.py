"""The issue's browser test: an admin takes a dispute in the console, reads the evidence,
resolves it by a split whose amounts the console computes as the hours are typed, and sees
both members' balances change."""

from typing import Any

import pytest
from playwright.sync_api import expect

from hourbank_stack.client import Caller, Gateway, wait_for

from ..e2e.parties import Pair, make_pair, open_dispute
from .conftest import Console

pytestmark = pytest.mark.integration


def confirmed_dispute(pair: Pair, request_id: str) -> dict[str, Any]:
    """A dispute on the request, once the requests service confirmed it (resolvable)."""
    dispute = open_dispute(pair.requester, request_id)

    def confirmed() -> bool:
        return bool(pair.requester.get(f"/v1/disputes/{dispute['id']}")["request_confirmed"])

    wait_for(confirmed, f"dispute {dispute['id']} to be confirmed")
    wait_for(
        lambda: pair.provider.get(f"/v1/escrows/{request_id}")["status"] == "FROZEN",
        "the hold to freeze",
    )
    return dispute


def balance_of(party: Any, field: str) -> Any:
    return party.locator(f'[data-field="{field}"]')


def test_an_admin_resolves_a_dispute_by_a_split_and_sees_both_balances_change(
    gateway: Gateway, console: Console, admin: Caller
) -> None:
    # 2.00 h at rate 1.50: escrow holds the requester's whole welcome bonus (3.00)
    pair = make_pair(gateway, rate="1.50")
    rid = pair.in_progress("2.00")["id"]
    dispute = confirmed_dispute(pair, rid)
    evidence = {"kind": "link", "content": "https://example.org/unfinished-fence.jpg"}
    pair.provider.post(f"/v1/disputes/{dispute['id']}/evidence", evidence)

    page = console.open()
    row = page.locator(f'tr[data-dispute="{dispute["id"]}"]')
    expect(row).to_contain_text("OPEN")
    console.shot("disputes")
    row.get_by_role("link", name=dispute["id"][:8]).click()

    expect(page.get_by_text("not what we agreed")).to_be_visible()
    expect(page.get_by_role("link", name=evidence["content"])).to_be_visible()
    expect(page.get_by_test_id("hold")).to_have_text("3.00 h · FROZEN")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_text("Assigned to you.")).to_be_visible()
    expect(page.locator(".card-head .badge")).to_have_text("UNDER_REVIEW")

    requester = page.locator('[data-party="requester"]')
    provider = page.locator('[data-party="provider"]')
    expect(balance_of(requester, "total")).to_have_text("3.00")
    expect(balance_of(requester, "escrowed")).to_have_text("3.00")
    expect(balance_of(provider, "total")).to_have_text("3.00")

    # the split's amounts follow the typed hours: 0.25 h × 1.50 = 0.375, half-even 0.38
    hours = page.get_by_label("Provider's hours")
    preview = page.get_by_test_id("split-preview")
    hours.fill("2.5")
    expect(preview).to_contain_text("2.50 h at rate 1.50 is 3.75 h, more than the 3.00 h held")
    expect(page.get_by_role("button", name="Resolve")).to_be_disabled()
    hours.fill("0.25")
    expect(preview).to_contain_text("Provider gets 0.38 h · requester gets 2.62 h back")
    page.get_by_label("Note (shown to both parties)").fill("A quarter hour was done well.")
    console.shot("dispute-split", full_page=True)
    page.get_by_role("button", name="Resolve").click()

    expect(page.get_by_test_id("resolution")).to_have_text(
        "SPLIT: provider 0.38 h, requester 2.62 h back"
    )
    # escrow settles on the resolution's event: the page reads the balances until it has
    expect(page.get_by_test_id("hold")).to_have_text("3.00 h · SETTLED", timeout=30_000)
    expect(balance_of(requester, "total")).to_have_text("2.62")
    expect(balance_of(requester, "available")).to_have_text("2.62")
    expect(balance_of(requester, "escrowed")).to_have_text("0.00")
    expect(balance_of(provider, "total")).to_have_text("3.38")
    expect(balance_of(provider, "available")).to_have_text("3.38")
    console.shot("dispute-resolved", full_page=True)

    # the member lookup tells the same: the requester's statement ends with the split
    page.goto(f"{console.base_url}/admin/#/members/{pair.requester.id}")
    expect(page.get_by_label("Balance").locator('[data-field="total"]')).to_have_text("2.62")
    transactions = page.get_by_role("table", name="Transactions")
    expect(transactions.locator("tbody tr").first).to_contain_text("DISPUTE_RESOLUTION")
    expect(transactions).to_contain_text("ESCROW_HOLD")
    console.shot("member")

    # what the browser showed is what the API says
    assert pair.requester.balance() == {"total": "2.62", "available": "2.62", "escrowed": "0.00"}
    assert pair.provider.balance() == {"total": "3.38", "available": "3.38", "escrowed": "0.00"}
    resolved = admin.get(f"/v1/disputes/{dispute['id']}")
    assert (resolved["resolution"], resolved["provider_hours"]) == ("SPLIT", "0.25")
    pair.requester.wait_status(rid, "SETTLED")
