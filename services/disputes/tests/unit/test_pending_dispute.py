"""A dispute on a request disputes has not seen yet: accepted PENDING, decided on the request's
first event as an immediate opening would have been (docs/consistency.md, #2)."""

from uuid import UUID, uuid4

import pytest

from hourbank_disputes.domain.dispute import LEARNING, Caller, Dispute
from hourbank_disputes.domain.errors import Forbidden, NotAllowedNow, NotVisible
from hourbank_disputes.domain.evidence import Evidence
from hourbank_disputes.domain.projection import ProjectedRequest
from hourbank_disputes.domain.status import DisputeState, in_event
from hourbank_shared.contracts import disputes as ev
from hourbank_shared.contracts.enums import DisputeResolution as R
from hourbank_shared.contracts.enums import DisputeStatus, DisputeType, RequestStatus

from .dispute_factory import ADMIN, NOW, request


def pending(on: ProjectedRequest, by: UUID) -> Dispute:
    return Dispute.pending(uuid4(), Caller(by), on.request_id, DisputeType.NO_SHOW, "x", NOW)


def test_pending_is_the_contract_s_statuses_and_one_no_event_carries() -> None:
    assert {str(s) for s in DisputeState} == {str(s) for s in DisputeStatus} | {"PENDING"}
    assert [in_event(s) for s in DisputeState if s is not DisputeState.PENDING] == list(
        DisputeStatus
    )
    with pytest.raises(ValueError, match="PENDING"):
        in_event(DisputeState.PENDING)


def test_a_pending_dispute_names_its_raiser_only_and_publishes_nothing() -> None:
    on = request()
    dispute = pending(on, on.requester_id)

    assert (dispute.status, dispute.request_id, dispute.request) == (
        DisputeState.PENDING, on.request_id, None,
    )  # fmt: skip
    assert (dispute.raised_by, dispute.against, dispute.events) == (on.requester_id, None, [])


@pytest.mark.parametrize("status", [RequestStatus.INITIATED, RequestStatus.IN_PROGRESS])
def test_a_party_s_pending_dispute_opens_against_the_other_then_its_evidence_is_published(
    status: RequestStatus,
) -> None:
    """The first event may be an early one (the member saw more): the dispute opens and the
    requests service confirms or refuses it, as for an opening on a projection behind."""
    on = request(status)
    dispute = pending(on, on.provider_id)
    dispute.add_evidence(uuid4(), Caller(on.provider_id), "text", "waited an hour", NOW)
    held = list(dispute.new_evidence)
    loaded = dispute.version

    assert dispute.learn(on, None, held, NOW) is True

    assert (dispute.status, dispute.against, dispute.request) == (
        DisputeState.OPEN, on.requester_id, on,
    )  # fmt: skip
    assert dispute.version > loaded
    opened, evidence = dispute.events
    assert isinstance(opened, ev.DisputeOpened)
    assert opened.model_dump() == {
        "dispute_id": dispute.id,
        "request_id": on.request_id,
        "requester_id": on.requester_id,
        "provider_id": on.provider_id,
        "status": DisputeStatus.OPEN,
        "raised_by": on.provider_id,
        "against": on.requester_id,
        "dispute_type": DisputeType.NO_SHOW,
        "description": "x",
    }
    assert isinstance(evidence, ev.DisputeEvidenceAdded)
    assert (evidence.evidence_id, evidence.content) == (held[0].id, "waited an hour")


def refused(dispute: Dispute, on: ProjectedRequest, open_already: UUID | None = None) -> str:
    assert dispute.learn(on, open_already, [], NOW) is True
    assert (dispute.status, dispute.against, dispute.closed_at) == (
        DisputeState.REFUSED, None, NOW,
    )  # fmt: skip
    assert dispute.events == []  # nobody but its raiser heard of it
    assert dispute.refusal_reason is not None
    return dispute.refusal_reason


def test_a_stranger_s_pending_dispute_is_refused_and_stays_hidden_from_the_parties() -> None:
    on, stranger = request(), uuid4()
    dispute = pending(on, stranger)

    assert "only the requester or the provider" in refused(dispute, on)
    dispute.visible_to(Caller(stranger))
    dispute.visible_to(ADMIN)
    for party in (on.requester_id, on.provider_id):
        with pytest.raises(NotVisible):
            dispute.visible_to(Caller(party))


@pytest.mark.parametrize("status", [RequestStatus.COMPLETED, RequestStatus.CANCELLED])
def test_a_pending_dispute_on_a_request_never_disputable_again_is_refused(
    status: RequestStatus,
) -> None:
    on = request(status)
    assert f"it is {status}" in refused(pending(on, on.requester_id), on)


def test_a_pending_dispute_on_a_request_already_disputed_is_refused() -> None:
    on, other = request(), uuid4()
    reason = refused(pending(on, on.requester_id), on, open_already=other)
    assert f"already has an open dispute ({other})" in reason


def test_only_a_pending_dispute_is_decided() -> None:
    on = request()
    dispute = pending(on, on.requester_id)
    dispute.learn(on, None, [], NOW)
    dispute.events.clear()

    assert dispute.learn(on, None, [], NOW) is False
    assert (dispute.status, dispute.events) == (DisputeState.OPEN, [])


# while pending ------------------------------------------------------------------------------


def test_while_pending_only_its_raiser_and_admins_see_it() -> None:
    on = request()
    dispute = pending(on, on.requester_id)

    dispute.visible_to(Caller(on.requester_id))
    dispute.visible_to(ADMIN)
    for other in (on.provider_id, uuid4()):  # the other party is not known yet
        with pytest.raises(NotVisible):
            dispute.visible_to(Caller(other))


def test_while_pending_its_raiser_adds_evidence_without_an_event() -> None:
    on = request()
    dispute = pending(on, on.requester_id)

    added = dispute.add_evidence(uuid4(), Caller(on.requester_id), "link", "https://x.org", NOW)

    assert dispute.new_evidence == [added]
    assert isinstance(added, Evidence)
    assert dispute.events == []
    with pytest.raises(Forbidden):
        dispute.add_evidence(uuid4(), ADMIN, "text", "admins decide", NOW)


def test_while_pending_no_admin_assigns_or_resolves_it() -> None:
    on = request()
    dispute = pending(on, on.requester_id)

    with pytest.raises(NotAllowedNow, match=f"the dispute is PENDING, {LEARNING}") as assigning:
        dispute.assign(ADMIN.member_id, NOW)
    with pytest.raises(NotAllowedNow, match="the dispute is PENDING") as resolving:
        dispute.resolve(ADMIN.member_id, R.PAY_PROVIDER, None, "x", NOW)

    for refusal in (assigning.value, resolving.value):
        assert refusal.extensions["current_status"] == "PENDING"
    assert (dispute.status, dispute.events) == (DisputeState.PENDING, [])


def test_an_admin_dismisses_a_pending_dispute_without_an_event() -> None:
    on = request()
    dispute = pending(on, on.requester_id)

    dispute.dismiss(ADMIN.member_id, "no such request ever came", NOW)

    assert (dispute.status, dispute.note, dispute.closed_at, dispute.assigned_admin) == (
        DisputeState.DISMISSED, "no such request ever came", NOW, ADMIN.member_id,
    )  # fmt: skip
    assert dispute.events == []
    assert dispute.learn(on, None, [], NOW) is False  # the request arriving later: too late


def test_its_raiser_may_not_dismiss_it_as_an_admin() -> None:
    on = request()
    dispute = pending(on, on.requester_id)
    with pytest.raises(Forbidden, match="party to"):
        dispute.dismiss(on.requester_id, "mine", NOW)
    assert dispute.status is DisputeState.PENDING
