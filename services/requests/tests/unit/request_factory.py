"""Builds a service request in any status by driving it through the real transitions.

`scene(status)` submits a request (2.00 h at 1.50 = 3.00 held, response window 24 h), walks
it to `status` the way the lifecycle would, then forgets the events and history of the walk
so that a test sees only what its own command adds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_requests.domain import reactions
from hourbank_requests.domain.service_request import Caller, ServiceRequest
from hourbank_requests.domain.submission import OfferingTerms, Submission, submit
from hourbank_shared.clock import BusinessTime, FixedClock
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import DisputeResolution, OfferingStatus
from hourbank_shared.contracts.enums import RequestStatus as S

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOURS, RATE, AMOUNT = Decimal("2.00"), Decimal("1.50"), Decimal("3.00")
ACTUAL, ACTUAL_AMOUNT = Decimal("1.50"), Decimal("2.25")
COUNTER_HOURS, COUNTER_AMOUNT = Decimal("3.00"), Decimal("4.50")
"""The provider's round-1 counter in the NEGOTIATING scene: 3.00 h at the same 1.50."""


def d(value: str) -> Decimal:
    return Decimal(value)


@dataclass
class Scene:
    clock: FixedClock
    time: BusinessTime
    requester: Caller = field(default_factory=lambda: Caller(uuid4()))
    provider: Caller = field(default_factory=lambda: Caller(uuid4()))
    stranger: Caller = field(default_factory=lambda: Caller(uuid4()))
    admin: Caller = field(default_factory=lambda: Caller(uuid4(), is_admin=True))
    offering_id: UUID = field(default_factory=uuid4)
    dispute_id: UUID = field(default_factory=uuid4)
    request: ServiceRequest = field(init=False)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def offering(self, rate: Decimal = RATE, window: int = 24) -> OfferingTerms:
        return OfferingTerms(
            self.offering_id,
            self.provider.member_id,
            "Gardening",
            rate,
            window,
            OfferingStatus.APPROVED,
        )

    def submit(
        self, hours: Decimal = HOURS, rate: Decimal = RATE, window: int = 24
    ) -> ServiceRequest:
        self.request = submit(
            Submission(uuid4(), self.requester.member_id, hours, "please help"),
            self.offering(rate, window),
            requester_active=True,
            provider_active=True,
            open_request=None,
            time=self.time,
        )
        return self.request

    def later(self, hours: float) -> None:
        self.clock.advance(timedelta(hours=hours))

    def forget(self) -> None:
        self.request.events.clear()
        self.request.history.clear()


def _ok(done: bool) -> None:
    assert done, "a reaction the factory relies on was ignored"


Step = Callable[[Scene], None]


def held(s: Scene) -> None:
    _ok(reactions.escrow_held(s.request, s.time, uuid4()))


def accepted(s: Scene) -> None:
    s.request.accept(s.provider, s.time)


def countered(s: Scene) -> None:
    s.request.counter(s.provider, COUNTER_HOURS, None, "three hours", s.time)


def started(s: Scene) -> None:
    s.request.report_start(s.provider, s.time)


def start_confirmed(s: Scene) -> None:
    s.request.confirm_start(s.requester, s.time)


def completion_reported(s: Scene) -> None:
    s.request.report_completion(s.provider, ACTUAL, s.time)


def completed(s: Scene) -> None:
    s.request.confirm_completion(s.requester, s.time)


def paid(s: Scene) -> None:
    _ok(
        reactions.escrow_released(s.request, ACTUAL_AMOUNT, AMOUNT - ACTUAL_AMOUNT, s.time, uuid4())
    )


def disputed(s: Scene) -> None:
    _ok(reactions.dispute_opened(s.request, s.dispute_id, s.requester.member_id, s.time, uuid4()))


def declined(s: Scene) -> None:
    s.request.decline(s.provider, s.time)


def expired(s: Scene) -> None:
    s.later(s.request.response_window_hours)
    _ok(reactions.deadline_passed(s.request, s.time))


def cancelled(s: Scene) -> None:
    s.request.cancel(s.requester, s.time)


def settled(resolution: DisputeResolution, provider: str, refund: str) -> Step:
    def step(s: Scene) -> None:
        _ok(reactions.escrow_settled(
            s.request, s.dispute_id, resolution, d(provider), d(refund), s.time, uuid4()
        ))  # fmt: skip

    return step


_WORK: list[Step] = [held, accepted, started, start_confirmed, completion_reported]
PATHS: dict[S, list[Step]] = {
    S.INITIATED: [],
    S.AWAITING_RESPONSE: [held],
    S.NEGOTIATING: [held, countered],
    S.ACCEPTED: _WORK[:2],
    S.PENDING_START_CONFIRMATION: _WORK[:3],
    S.IN_PROGRESS: _WORK[:4],
    S.PENDING_COMPLETION_CONFIRMATION: _WORK,
    S.COMPLETED: [*_WORK, completed],
    S.PAID: [*_WORK, completed, paid],
    S.DISPUTED: [held, accepted, disputed],
    S.REJECTED: [held, declined],
    S.EXPIRED: [held, expired],
    S.CANCELLED: [held, cancelled],
    S.REFUNDED: [
        held,
        accepted,
        disputed,
        settled(DisputeResolution.REFUND_REQUESTER, "0", "3.00"),
    ],
    S.SETTLED: [held, accepted, disputed, settled(DisputeResolution.SPLIT, "1.00", "2.00")],
}


def scene(
    status: S = S.AWAITING_RESPONSE,
    *,
    path: list[Step] | None = None,
    hours: Decimal = HOURS,
    rate: Decimal = RATE,
    window: int = 24,
    time_scale: float = 1.0,
) -> Scene:
    """A request in `status` (by `path`, default the usual one), with events and history
    emptied; the clock is wherever the walk left it (NOW, except for EXPIRED)."""
    clock = FixedClock(NOW)
    s = Scene(clock, BusinessTime(clock, time_scale))
    s.submit(hours, rate, window)
    for step in PATHS[status] if path is None else path:
        step(s)
    assert s.request.status is status
    s.forget()
    return s


def only_event(request: ServiceRequest) -> Event:
    """The one event recorded since the scene was built."""
    assert len(request.events) == 1, request.events
    return request.events[0]
