"""The worker's own offset commits: a failed commit is tried again, never dropped."""

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from hourbank_notifications.app import HandledOffsets

MEMBERS_3 = ("hourbank.members.v1", 3)
REQUESTS_0 = ("hourbank.requests.v1", 0)


class Broker:
    """A fake of the commit port: answers as told, records what was committed."""

    def __init__(self, *answers: bool | Exception) -> None:
        self.answers = list(answers)
        self.committed: dict[Any, int] = {}
        self.asked: list[dict[Any, int]] = []

    async def commit(self, offsets: Mapping[Any, int]) -> bool:
        self.asked.append(dict(offsets))
        answer = self.answers.pop(0) if self.answers else True
        if isinstance(answer, Exception):
            raise answer
        if answer:
            self.committed.update(offsets)
        return answer


def run(handled: HandledOffsets, broker: Broker) -> bool:
    return asyncio.run(handled.commit(broker.commit))


def test_the_next_offset_after_the_last_handled_record_is_committed() -> None:
    handled, broker = HandledOffsets(), Broker()
    for offset in (205, 206, 220):
        handled.mark(MEMBERS_3, offset)
    assert run(handled, broker)
    assert broker.committed == {MEMBERS_3: 221}
    assert handled.pending() == {}


def test_a_failed_commit_is_tried_again_on_a_quiet_partition() -> None:
    handled, broker = HandledOffsets(), Broker(False, True)
    handled.mark(MEMBERS_3, 220)
    assert not run(handled, broker)
    assert broker.committed == {}
    assert handled.pending() == {MEMBERS_3: 221}
    # nothing more arrives on the partition: the next round commits it all the same
    assert run(handled, broker)
    assert broker.committed == {MEMBERS_3: 221}
    assert handled.pending() == {}


def test_a_commit_that_raises_keeps_its_offsets_and_the_error_goes_on() -> None:
    handled, broker = HandledOffsets(), Broker(ConnectionError("broker restarting"))
    handled.mark(MEMBERS_3, 220)
    with pytest.raises(ConnectionError):
        run(handled, broker)
    assert handled.pending() == {MEMBERS_3: 221}


def test_what_was_handled_during_a_failed_commit_is_kept_with_it() -> None:
    handled = HandledOffsets()
    handled.mark(MEMBERS_3, 220)
    handled.mark(REQUESTS_0, 10)

    async def fails_while_more_is_handled(offsets: Mapping[Any, int]) -> bool:
        handled.mark(REQUESTS_0, 11)  # the agent goes on while the commit waits
        return False

    assert not asyncio.run(handled.commit(fails_while_more_is_handled))
    assert handled.pending() == {MEMBERS_3: 221, REQUESTS_0: 12}


def test_a_partition_read_again_after_a_rebalance_never_moves_the_offset_back() -> None:
    handled, broker = HandledOffsets(), Broker(False, True)
    handled.mark(MEMBERS_3, 220)
    run(handled, broker)  # failed: 221 kept
    handled.mark(MEMBERS_3, 215)  # read again from an older committed offset
    assert run(handled, broker)
    assert broker.committed == {MEMBERS_3: 221}


def test_nothing_handled_asks_the_broker_nothing() -> None:
    handled, broker = HandledOffsets(), Broker()
    assert run(handled, broker)
    assert broker.asked == []
