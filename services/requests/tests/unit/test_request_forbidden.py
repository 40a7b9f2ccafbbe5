"""What each command refuses, and with which error: NotVisible (404) for a non-party, then
Forbidden (403) for the wrong party, then NotAllowedNow (409, naming the status)."""

from collections.abc import Callable

import pytest

from hourbank_requests.domain.errors import (
    Forbidden,
    NotAllowedNow,
    NotVisible,
)
from hourbank_requests.domain.service_request import Caller, ServiceRequest
from hourbank_shared.clock import BusinessTime
from hourbank_shared.contracts.enums import Party
from hourbank_shared.contracts.enums import RequestStatus as S
from hourbank_shared.domain_errors import DomainError

from .request_factory import Scene, d, scene

Command = Callable[[ServiceRequest, Caller, BusinessTime], object]
COMMANDS: dict[str, Command] = {
    "accept": lambda r, c, t: r.accept(c, t),
    "decline": lambda r, c, t: r.decline(c, t),
    "counter": lambda r, c, t: r.counter(c, d("1.00"), None, "", t),
    "accept_offer": lambda r, c, t: r.accept_offer(c, t),
    "cancel": lambda r, c, t: r.cancel(c, t),
    "report_start": lambda r, c, t: r.report_start(c, t),
    "confirm_start": lambda r, c, t: r.confirm_start(c, t),
    "report_completion": lambda r, c, t: r.report_completion(c, d("1.00"), t),
    "confirm_completion": lambda r, c, t: r.confirm_completion(c, t),
    "rate_other": lambda r, c, t: r.rate_other(c, 5, "", t),
}

R, P = Party.REQUESTER, Party.PROVIDER
ALLOWED: dict[tuple[str, Party], frozenset[S]] = {
    ("accept", P): frozenset({S.AWAITING_RESPONSE}),
    ("decline", P): frozenset({S.AWAITING_RESPONSE, S.NEGOTIATING}),
    ("decline", R): frozenset({S.NEGOTIATING}),
    ("counter", P): frozenset({S.AWAITING_RESPONSE, S.NEGOTIATING}),
    ("counter", R): frozenset({S.NEGOTIATING}),
    ("accept_offer", R): frozenset({S.NEGOTIATING}),
    ("accept_offer", P): frozenset({S.NEGOTIATING}),  # whoever did not make the offer
    ("cancel", R): frozenset({S.INITIATED, S.AWAITING_RESPONSE, S.NEGOTIATING, S.ACCEPTED}),
    ("cancel", P): frozenset({S.ACCEPTED}),
    ("report_start", P): frozenset({S.ACCEPTED}),
    ("confirm_start", R): frozenset({S.PENDING_START_CONFIRMATION}),
    ("report_completion", P): frozenset({S.IN_PROGRESS}),
    ("confirm_completion", R): frozenset({S.PENDING_COMPLETION_CONFIRMATION}),
    ("rate_other", R): frozenset({S.PAID, S.SETTLED}),
    ("rate_other", P): frozenset({S.PAID, S.SETTLED}),
}
"""SPEC §4: the statuses in which each party may give each command."""

TERMINAL = [S.PAID, S.REJECTED, S.EXPIRED, S.CANCELLED, S.REFUNDED, S.SETTLED]


def caller_of(s: Scene, party: Party) -> Caller:
    return s.requester if party is Party.REQUESTER else s.provider


def snapshot(r: ServiceRequest) -> tuple[object, ...]:
    return (r.status, r.round, r.offer, r.offer_accepted, r.deadline_at, r.version,
            r.hours, r.amount, list(r.events), list(r.history))  # fmt: skip


def refuses(s: Scene, command: str, caller: Caller, error: type[DomainError]) -> DomainError:
    before = snapshot(s.request)
    with pytest.raises(error) as raised:
        COMMANDS[command](s.request, caller, s.time)
    assert snapshot(s.request) == before, "a refused command changed the request"
    return raised.value


# 404: not a party -----------------------------------------------------------------------


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("command", COMMANDS)
def test_a_non_party_cannot_see_the_request(status: S, command: str) -> None:
    s = scene(status)
    error = refuses(s, command, s.stranger, NotVisible)
    assert str(s.request.id) in error.detail


@pytest.mark.parametrize("status", [S.AWAITING_RESPONSE, S.ACCEPTED, S.PAID])
@pytest.mark.parametrize("command", COMMANDS)
def test_an_admin_sees_but_may_not_act_as_a_party(status: S, command: str) -> None:
    s = scene(status)
    refuses(s, command, s.admin, Forbidden)


# 403: the wrong party -------------------------------------------------------------------

WRONG_PARTY = [
    (S.AWAITING_RESPONSE, "accept", R, "only the provider may accept"),
    (S.ACCEPTED, "report_start", R, "only the provider may report the start"),
    (S.IN_PROGRESS, "report_completion", R, "only the provider may report completion"),
    (S.PENDING_START_CONFIRMATION, "confirm_start", P, "only the requester may confirm"),
    (S.PENDING_COMPLETION_CONFIRMATION, "confirm_completion", P, "only the requester"),
    (S.NEGOTIATING, "accept", R, "only the provider"),
    (S.AWAITING_RESPONSE, "decline", R, "the requester cancels"),
    (S.AWAITING_RESPONSE, "counter", R, "the provider makes the first counter-offer"),
    # Forbidden comes before NotAllowedNow: the wrong party in the wrong status
    (S.PAID, "accept", R, "only the provider"),
    (S.CANCELLED, "report_start", R, "only the provider"),
    (S.INITIATED, "confirm_start", P, "only the requester"),
    (S.REJECTED, "confirm_completion", P, "only the requester"),
    (S.EXPIRED, "accept_offer", None, ""),  # admin, in a terminal status
]


@pytest.mark.parametrize(("status", "command", "party", "detail"), WRONG_PARTY)
def test_the_wrong_party_is_forbidden(
    status: S, command: str, party: Party | None, detail: str
) -> None:
    s = scene(status)
    error = refuses(s, command, s.admin if party is None else caller_of(s, party), Forbidden)
    assert detail in error.detail


# 409: the wrong status ------------------------------------------------------------------

WRONG_STATUS = [
    (status, command, party)
    for (command, party), allowed in ALLOWED.items()
    for status in S
    if status not in allowed
    # the requester in AWAITING_RESPONSE is the wrong party for these, not the wrong status
    and not (status is S.AWAITING_RESPONSE and party is R and command in {"decline", "counter"})
]


@pytest.mark.parametrize(("status", "command", "party"), WRONG_STATUS)
def test_the_wrong_status_is_not_allowed_now(status: S, command: str, party: Party) -> None:
    s = scene(status)
    error = refuses(s, command, caller_of(s, party), NotAllowedNow)
    assert f"the request is {status} " in error.detail
    assert error.extensions == {"current_status": str(status)}


@pytest.mark.parametrize("status", TERMINAL)
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("party", [R, P])
def test_nothing_but_rating_from_a_terminal_status(status: S, command: str, party: Party) -> None:
    """Every command from every terminal status, by either party: refused, unchanged."""
    s = scene(status)
    allowed = ALLOWED.get((command, party))
    if allowed is None:  # not this party's command at all
        refuses(s, command, caller_of(s, party), Forbidden)
    elif status in allowed:
        assert command == "rate_other"
    else:
        error = refuses(s, command, caller_of(s, party), NotAllowedNow)
        assert str(status) in error.detail


def test_wrong_status_table_covers_the_brief() -> None:
    """The table includes the cases the SPEC singles out."""
    assert (S.AWAITING_RESPONSE, "cancel", P) in WRONG_STATUS  # provider before ACCEPTED
    assert (S.NEGOTIATING, "cancel", P) in WRONG_STATUS
    assert (S.INITIATED, "cancel", P) in WRONG_STATUS  # the provider has not seen it yet
    assert (S.COMPLETED, "rate_other", R) in WRONG_STATUS  # rating before PAID
    assert (S.REFUNDED, "rate_other", P) in WRONG_STATUS
    assert (S.DISPUTED, "report_start", P) in WRONG_STATUS
    assert len(WRONG_STATUS) > 150


# other 409s -----------------------------------------------------------------------------


def test_provider_cancelling_before_accepted_names_the_status() -> None:
    s = scene(S.NEGOTIATING)
    error = refuses(s, "cancel", s.provider, NotAllowedNow)
    assert "cannot cancel as the provider: the request is NEGOTIATING" in error.detail
    assert "ACCEPTED" in error.detail
