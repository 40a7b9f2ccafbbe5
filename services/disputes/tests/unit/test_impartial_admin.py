"""No admin assigns, resolves or dismisses a dispute they are party to; the admin who acts is
named in every event of the admins' steps."""

from collections.abc import Callable
from uuid import UUID

import pytest

from hourbank_disputes.domain.dispute import Dispute
from hourbank_disputes.domain.errors import Forbidden
from hourbank_shared.contracts import disputes as ev
from hourbank_shared.contracts.enums import DisputeResolution as R
from hourbank_shared.contracts.enums import DisputeStatus as S

from .dispute_factory import ADMIN, NOW, opened

ACTIONS: dict[str, Callable[[Dispute, UUID], None]] = {
    "assign": lambda dispute, admin: dispute.assign(admin, NOW),
    "resolve": lambda dispute, admin: dispute.resolve(admin, R.PAY_PROVIDER, None, "ok", NOW),
    "dismiss": lambda dispute, admin: dispute.dismiss(admin, "ok", NOW),
}
PARTIES: dict[str, Callable[[Dispute], UUID]] = {
    "raised_by": lambda dispute: dispute.raised_by,
    "against": lambda dispute: dispute.against,
    "requester": lambda dispute: dispute.request.requester_id,
    "provider": lambda dispute: dispute.request.provider_id,
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("party", PARTIES)
def test_an_admin_who_is_a_party_may_not_act(action: str, party: str) -> None:
    dispute = opened(confirmed=True)

    with pytest.raises(Forbidden, match="may not act on a dispute they are party to"):
        ACTIONS[action](dispute, PARTIES[party](dispute))

    assert (dispute.status, dispute.assigned_admin, dispute.events) == (S.OPEN, None, [])


@pytest.mark.parametrize("action", ACTIONS)
def test_an_impartial_admin_acts_and_is_named_in_the_event(action: str) -> None:
    dispute = opened(confirmed=True)

    ACTIONS[action](dispute, ADMIN.member_id)

    [event] = dispute.events
    assert isinstance(event, ev.DisputeAssigned | ev.DisputeResolved | ev.DisputeDismissed)
    assert event.admin_id == ADMIN.member_id
    assert dispute.assigned_admin == ADMIN.member_id
