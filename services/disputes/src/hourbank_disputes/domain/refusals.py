"""Why a member may not dispute a request: the refusals `Dispute.open` answers at once and
`Dispute.learn` records on a PENDING dispute."""

from uuid import UUID

from hourbank_disputes.domain.errors import Forbidden, NotAllowedNow
from hourbank_disputes.domain.projection import DISPUTABLE, NEVER_DISPUTABLE_AGAIN, ProjectedRequest


def refusal_of(
    member_id: UUID, request: ProjectedRequest, open_already: UUID | None
) -> Forbidden | NotAllowedNow | None:
    """Why the member may not dispute the request as disputes knows it; None if they may.
    Only what is final refuses: the parties, a status never disputable again, an open dispute
    (disputes' own). Any other status may be behind the request by now, so the requests
    service, which owns it, confirms the dispute or refuses it (REFUSED)."""
    if not request.party(member_id):
        return Forbidden("only the requester or the provider of a request may dispute it")
    if request.status in NEVER_DISPUTABLE_AGAIN:
        return NotAllowedNow(
            f"cannot dispute the request: it is {request.status} "
            f"(allowed only when {' or '.join(DISPUTABLE)})",
            current_status=str(request.status),
        )
    if open_already is not None:
        return one_open_dispute(open_already)
    return None


def one_open_dispute(dispute_id: UUID | None = None) -> NotAllowedNow:
    """The refusal of a second open dispute on one request (naming it when known)."""
    which = f" ({dispute_id})" if dispute_id is not None else ""
    return NotAllowedNow(
        f"the request already has an open dispute{which}; one open dispute per request",
        rule="disputes_one_open",
    )
