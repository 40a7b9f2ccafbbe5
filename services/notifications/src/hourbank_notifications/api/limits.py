"""What one member can hold: live streams open at once (per API process) and stored preferences.

Each open stream holds a database poll every quarter second, so one member's many tabs (or a
script) could take a good share of an API process; beyond `streams_per_member` the next stream
is refused with 429 and a Retry-After.
"""

import threading
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from hourbank_shared.errors import problem_response

RETRY_AFTER_SECONDS = 10
"""How long a refused client waits before trying again (a stream it closed frees its slot)."""


class Slot:
    """One open stream of a member; released once, however many times it is told to."""

    def __init__(self, slots: "StreamSlots", member_id: UUID) -> None:
        self._slots = slots
        self._member_id = member_id
        self._released = False

    def release(self) -> None:
        with self._slots.lock:
            if not self._released:
                self._released = True
                self._slots.drop(self._member_id)


class StreamSlots:
    """At most `per_member` streams of one member open at once in this process."""

    def __init__(self, per_member: int) -> None:
        self.per_member = per_member
        self.lock = threading.Lock()
        self._open: dict[UUID, int] = {}

    def take(self, member_id: UUID) -> Slot | None:
        """A slot for one more stream of the member, or None if they hold them all."""
        with self.lock:
            if self._open.get(member_id, 0) >= self.per_member:
                return None
            self._open[member_id] = self._open.get(member_id, 0) + 1
        return Slot(self, member_id)

    def open(self, member_id: UUID) -> int:
        with self.lock:
            return self._open.get(member_id, 0)

    def drop(self, member_id: UUID) -> None:
        """Called with the lock held, by `Slot.release`."""
        left = self._open.get(member_id, 0) - 1
        if left > 0:
            self._open[member_id] = left
        else:
            self._open.pop(member_id, None)


async def released_at_the_end(events: AsyncIterator[str], slot: Slot) -> AsyncGenerator[str, None]:
    """The stream's events; the slot is released when it ends (the client went away)."""
    try:
        async for event in events:
            yield event
    finally:
        slot.release()


def too_many_streams(path: str, per_member: int) -> JSONResponse:
    response = problem_response(
        429,
        "Too Many Requests",
        f"you already have {per_member} live streams open; close one (or wait) and retry",
        "too-many-streams",
        path,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _stream_slots(request: Request) -> StreamSlots:
    slots: StreamSlots = request.app.state.stream_slots
    return slots


async def _preferences_max(request: Request) -> int:
    return int(request.app.state.preferences_max)


Streams = Annotated[StreamSlots, Depends(_stream_slots)]
PreferencesMax = Annotated[int, Depends(_preferences_max)]
