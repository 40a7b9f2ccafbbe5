"""Who sees which offerings: members the APPROVED ones, providers all of their own, admins all.

An offering nobody but its provider and the admins may see answers 404 to everyone else, as if
it did not exist (SPEC §7).
"""

from uuid import UUID

from hourbank_requests.domain.errors import Forbidden
from hourbank_requests.domain.service_request import Caller
from hourbank_shared.contracts.enums import OfferingStatus

PUBLIC = frozenset({OfferingStatus.APPROVED})
NOT_WITHDRAWN = frozenset(OfferingStatus) - {OfferingStatus.WITHDRAWN}


def may_see(caller: Caller, provider_id: UUID, status: OfferingStatus) -> bool:
    return status in PUBLIC or caller.is_admin or caller.member_id == provider_id


def listed_statuses(
    caller: Caller,
    provider_id: UUID | None,
    status: OfferingStatus | None,
    include_withdrawn: bool,
) -> frozenset[OfferingStatus]:
    """The statuses a listing shows. By default the public catalog (APPROVED). A provider
    listing their own offerings (`provider_id` = them) sees every status but WITHDRAWN, and
    WITHDRAWN too with `include_withdrawn`; so does an admin, for any provider or all of them.
    `status` picks one, which only they may set to anything but APPROVED."""
    privileged = caller.is_admin or (provider_id is not None and provider_id == caller.member_id)
    if status is not None:
        if status not in PUBLIC and not privileged:
            raise Forbidden(
                f"members list only APPROVED offerings, and their own of any status "
                f"(provider_id={caller.member_id}); {status} is for admins"
            )
        return frozenset({status})
    if privileged and (provider_id is not None or include_withdrawn):
        return NOT_WITHDRAWN | ({OfferingStatus.WITHDRAWN} if include_withdrawn else set())
    return PUBLIC
