"""Every cell of the status × operation table in `hourbank_escrow.domain.holds`."""

from collections.abc import Callable

import pytest

from hourbank_escrow.domain import Outcome, Result
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.enums import HoldFailureReason, HoldStatus
from hourbank_shared.contracts.escrow import (
    EscrowAdjusted,
    EscrowAdjustFailed,
    EscrowFrozen,
    EscrowHeld,
    EscrowHoldFailed,
    EscrowRefunded,
    EscrowReleased,
    EscrowSettled,
    EscrowUnfrozen,
)

from .bank import Scene

HM, IS = HoldFailureReason.HOLD_MISSING, HoldFailureReason.INVALID_STATE
HELD, FROZEN = HoldStatus.HELD, HoldStatus.FROZEN
RELEASED, REFUNDED, SETTLED = HoldStatus.RELEASED, HoldStatus.REFUNDED, HoldStatus.SETTLED
APPLIED, NO_OP, REFUSED = Result.APPLIED, Result.NO_OP, Result.REFUSED

OPERATIONS: dict[str, Callable[[Scene], Outcome]] = {
    "place": lambda s: s.place("1.00"),
    "adjust": lambda s: s.adjust("1.00"),
    "release": lambda s: s.release("1.00"),
    "refund": lambda s: s.refund(),
    "freeze": lambda s: s.freeze(),
    "unfreeze": lambda s: s.unfreeze(),
    "settle": lambda s: s.settle(),
}

Cell = tuple[Result, HoldFailureReason | None, type[Event] | None, HoldStatus | None]
NEVER_HELD: dict[str, Cell] = {
    "place": (REFUSED, IS, EscrowHoldFailed, None),
    "adjust": (REFUSED, IS, None, None),
    "release": (NO_OP, None, None, None),
    "refund": (NO_OP, None, None, None),
    "freeze": (REFUSED, IS, None, None),
    "unfreeze": (REFUSED, IS, None, None),
    "settle": (NO_OP, None, None, None),
}
RESOLVED: dict[str, Callable[[HoldStatus], Cell]] = {
    "place": lambda s: (NO_OP, None, None, s),
    "adjust": lambda s: (REFUSED, IS, EscrowAdjustFailed, s),
    "release": lambda s: (NO_OP, None, None, s),
    "refund": lambda s: (NO_OP, None, None, s),
    "freeze": lambda s: (NO_OP, None, None, s) if s is SETTLED else (REFUSED, IS, None, s),
    "unfreeze": lambda s: (REFUSED, IS, None, s),
    "settle": lambda s: (NO_OP, None, None, s),
}
TABLE: dict[str, dict[str, Cell]] = {
    "none": {
        "place": (APPLIED, None, EscrowHeld, HELD),
        "adjust": (REFUSED, HM, None, None),
        "release": (REFUSED, HM, None, None),
        "refund": (APPLIED, None, None, None),
        "freeze": (REFUSED, HM, None, None),
        "unfreeze": (REFUSED, HM, None, None),
        "settle": (REFUSED, HM, None, None),
    },
    "failed": NEVER_HELD,
    "ended": NEVER_HELD,
    HELD: {
        "place": (NO_OP, None, None, HELD),
        "adjust": (APPLIED, None, EscrowAdjusted, HELD),
        "release": (APPLIED, None, EscrowReleased, RELEASED),
        "refund": (APPLIED, None, EscrowRefunded, REFUNDED),
        "freeze": (APPLIED, None, EscrowFrozen, FROZEN),
        "unfreeze": (APPLIED, None, None, HELD),
        "settle": (APPLIED, None, EscrowSettled, SETTLED),
    },
    FROZEN: {
        "place": (NO_OP, None, None, FROZEN),
        "adjust": (REFUSED, IS, EscrowAdjustFailed, FROZEN),
        "release": (REFUSED, IS, None, FROZEN),
        "refund": (REFUSED, IS, None, FROZEN),
        "freeze": (NO_OP, None, None, FROZEN),
        "unfreeze": (APPLIED, None, EscrowUnfrozen, HELD),
        "settle": (APPLIED, None, EscrowSettled, SETTLED),
    },
    **{
        str(s): {op: cell(s) for op, cell in RESOLVED.items()}
        for s in (RELEASED, REFUNDED, SETTLED)
    },
}
CELLS = [(state, op, *cell) for state, row in TABLE.items() for op, cell in row.items()]


@pytest.mark.parametrize(
    ("state", "operation", "result", "reason", "event", "status_after"),
    CELLS,
    ids=[f"{state}-{op}" for state, op, *_ in CELLS],
)
def test_each_operation_in_each_status(
    state: str,
    operation: str,
    result: Result,
    reason: HoldFailureReason | None,
    event: type[Event] | None,
    status_after: HoldStatus | None,
) -> None:
    scene = Scene().into(state)
    bank, hold = scene.bank, scene.hold
    balances = [bank.balance(ref) for ref in bank.accounts]
    transactions, version = len(bank.transactions), hold.version

    outcome = OPERATIONS[operation](scene)

    assert (outcome.result, outcome.reason) == (result, reason)
    assert [type(e) for e in hold.events] == ([event] if event else [])
    assert hold.status is status_after
    if result is not APPLIED:
        assert [bank.balance(ref) for ref in bank.accounts] == balances
        assert len(bank.transactions) == transactions
        assert hold.version == version
    assert bank.report().ok, bank.report().violations


def test_the_table_covers_every_status() -> None:
    assert set(TABLE) == {"none", "failed", "ended", *HoldStatus}
    assert all(set(row) == set(OPERATIONS) for row in TABLE.values())
