"""An admin who is a party of the dispute (or of its request) may not assign, resolve or dismiss
it: 403 problem+json, nothing recorded; an impartial admin is named in the events."""

from uuid import UUID

import pytest

from .test_disputes_api import ADMIN, Bank, auth, bank, events_of, problem

pytestmark = pytest.mark.integration
__all__ = ["bank"]  # the fixture this module uses

DECISIONS = {
    "assign": {},
    "resolve": {"resolution": "REFUND_REQUESTER", "note": "mine"},
    "dismiss": {"note": "mine"},
}


def as_admin(bank: Bank, admin: UUID, dispute_id: str, action: str) -> dict[str, object]:
    response = bank.client.post(
        f"/v1/disputes/{dispute_id}/{action}",
        json=DECISIONS[action] or None,
        headers=auth(admin, admin=True),
    )
    return problem(response, 403)


def test_no_party_decides_their_own_dispute(bank: Bank) -> None:
    story = bank.story()
    story.in_progress()
    dispute_id = bank.opened(story)
    story.disputed(dispute_id)

    for party in (story.requester_id, story.provider_id):
        for action in DECISIONS:
            refused = as_admin(bank, party, dispute_id, action)
            assert "may not act on a dispute they are party to" in refused["detail"]

    assert events_of(bank, "assigned") == events_of(bank, "resolved") == []
    assert events_of(bank, "dismissed") == []
    resolved = bank.admin(dispute_id, "resolve", resolution="REFUND_REQUESTER", note="fair")
    assert resolved.status_code == 200, resolved.text
    [event] = events_of(bank, "resolved")
    assert (event["admin_id"], event["note"]) == (str(ADMIN), "fair")
