"""Live streams per member: a slot per open stream, freed however the stream ends."""

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator
from uuid import uuid4

from hourbank_notifications.api.limits import StreamSlots, released_at_the_end


async def endless() -> AsyncIterator[str]:
    while True:
        yield ": keepalive\n\n"
        await asyncio.sleep(0)


def test_a_member_holds_at_most_the_allowed_streams_and_a_closed_one_frees_its_slot() -> None:
    slots, ada, bob = StreamSlots(per_member=3), uuid4(), uuid4()
    held = [slots.take(ada) for _ in range(3)]
    assert all(held)
    assert slots.take(ada) is None
    assert slots.take(bob) is not None, "one member's streams do not count for another"

    first = held[0]
    assert first is not None
    first.release()
    first.release()  # released once, whoever says it first
    assert slots.open(ada) == 2
    assert slots.take(ada) is not None
    assert slots.take(ada) is None


def test_the_slot_is_freed_when_the_client_goes_away() -> None:
    slots, ada = StreamSlots(per_member=1), uuid4()
    slot = slots.take(ada)
    assert slot is not None
    events = released_at_the_end(endless(), slot)

    async def read_two_then_leave() -> None:
        await anext(events)
        await anext(events)
        await events.aclose()

    asyncio.run(read_two_then_leave())
    assert slots.open(ada) == 0


def test_a_stream_never_started_frees_its_slot_when_dropped() -> None:
    slots, ada = StreamSlots(per_member=1), uuid4()
    slot = slots.take(ada)
    assert slot is not None
    events = released_at_the_end(endless(), slot)
    weakref.finalize(events, slot.release)  # as the route does

    del events
    gc.collect()
    assert slots.open(ada) == 0
