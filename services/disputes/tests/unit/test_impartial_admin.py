"""No admin assigns, resolves or dismisses a dispute they are party to; the admin who acts is
named in every event of the admins' steps."""

from collections.abc import Callable
from uuid import UUID

import pytest

from hourbank_disputes.domain.dispute import Dispute
from hourbank_disputes.domain.errors import Forbidden
from hourbank_disputes.domain.status import DisputeState
from hourbank_shared.contracts import disputes as ev
from hourbank_shared.contracts.enums import DisputeResolution as R

from .dispute_factory import ADMIN, NOW, opened

ACTIONS: dict[str, Callable[[Dispute, UUID], None]] = {
    "assign": lambda dispute, admin: dispute.assign(admin, NOW),
    "resolve": lambda dispute, admin: dispute.resolve(admin, R.PAY_PROVIDER, None, "ok", NOW),
    "dismiss": lambda dispute, admin: dispute.dismiss(admin, "ok", NOW),
}
PARTIES: dict[str, Callable[[Dispute], UUID | None]] = {
    "raised_by": lambda dispute: dispute.raised_by,
    "against": lambda dispute: dispute.against,
    "requester": lambda dispute: dispute.request.requester_id if dispute.request else None,
    "provider": lambda dispute: dispute.request.provider_id if dispute.request else None,
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("party", PARTIES)
def test_an_admin_who_is_a_party_may_not_act(action: str, party: str) -> None:
    dispute = opened(confirmed=True)

    admin = PARTIES[party](dispute)
    assert admin is not None
    with pytest.raises(Forbidden, match="may not act on a dispute they are party to"):
        ACTIONS[action](dispute, admin)

    assert (dispute.status, dispute.assigned_admin, dispute.events) == (DisputeState.OPEN, None, [])


@pytest.mark.parametrize("action", ACTIONS)
def test_an_impartial_admin_acts_and_is_named_in_the_event(action: str) -> None:
    dispute = opened(confirmed=True)

    ACTIONS[action](dispute, ADMIN.member_id)

    [event] = dispute.events
    assert isinstance(event, ev.DisputeAssigned | ev.DisputeResolved | ev.DisputeDismissed)
    assert event.admin_id == ADMIN.member_id
    assert dispute.assigned_admin == ADMIN.member_id
