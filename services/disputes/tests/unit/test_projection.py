from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from hourbank_disputes.consumers import REACTIONS, SKIPPED
from hourbank_disputes.domain.projection import NEVER_DISPUTABLE_AGAIN, projected
from hourbank_shared.contracts import requests as req
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.contracts.enums import RequestStatus as S

IDS = {"request_id": uuid4(), "requester_id": uuid4(), "provider_id": uuid4(),
       "offering_id": uuid4()}  # fmt: skip
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_an_event_that_sets_the_hold_carries_its_terms() -> None:
    event = req.RequestAccepted(
        **IDS, status=RequestStatus.ACCEPTED, hours="2.00", rate="1.50", amount="3.00"
    )
    view = projected(event)
    assert (view.status, view.hours, view.rate, view.amount) == (
        RequestStatus.ACCEPTED,
        Decimal("2.00"),
        Decimal("1.50"),
        Decimal("3.00"),
    )
    assert (view.requester_id, view.provider_id) == (IDS["requester_id"], IDS["provider_id"])


def test_a_counter_offer_does_not_change_what_is_held() -> None:
    event = req.RequestCounterOffered(
        **IDS, status=RequestStatus.NEGOTIATING, round=1, offered_by="PROVIDER", hours="3.00",
        rate="1.00", amount="3.00", message="", deadline=NOW,
    )  # fmt: skip
    assert (projected(event).hours, projected(event).amount) == (None, None)


def test_the_consumer_follows_or_deliberately_skips_every_request_event() -> None:
    def every(kind: type[req.RequestEvent]) -> set[str]:
        return {kind.TYPE} if hasattr(kind, "TYPE") else set().union(
            *(every(sub) for sub in kind.__subclasses__())
        )  # fmt: skip

    skipped = {kind.TYPE for kind in SKIPPED}
    assert not skipped & set(REACTIONS)
    assert every(req.RequestEvent) <= set(REACTIONS) | skipped


def test_every_way_into_a_status_never_disputable_again_is_followed() -> None:
    into_final = {S.COMPLETED: req.RequestCompleted, S.PAID: req.RequestPaid,
                  S.REJECTED: req.RequestRejected, S.EXPIRED: req.RequestExpired,
                  S.CANCELLED: req.RequestCancelled, S.REFUNDED: req.RequestRefunded,
                  S.SETTLED: req.RequestSettled}  # fmt: skip
    assert set(into_final) == set(NEVER_DISPUTABLE_AGAIN)
    assert {kind.TYPE for kind in into_final.values()} <= set(REACTIONS)
