"""A stream's events as they come, with the ones already here on hand at once.

A `Feed` is an async iterator of LiveEvent like any other (the WebSocket, a fault's cut and the
tests read it event by event); the SSE response also asks it for what is `ready()`, so frames
that exist together go out in one write — still one SSE message each — while a paced event,
alone when it is made, goes out alone the moment it is made.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from responses_mock.wire.stored import LiveEvent


class Feed:
    """Events in order from a source of batches (each batch: the events there at one moment)."""

    __slots__ = ("_batches", "_buffer")

    def __init__(self, batches: AsyncIterator[list[LiveEvent]]) -> None:
        self._batches = batches
        self._buffer: deque[LiveEvent] = deque()

    def __aiter__(self) -> Feed:
        return self

    async def __anext__(self) -> LiveEvent:
        while not self._buffer:
            self._buffer.extend(await self._batches.__anext__())  # its end ends the feed
        return self._buffer.popleft()

    def ready(self) -> list[LiveEvent]:
        """The events already here, taken out of the feed (none: the next one is still to come)."""
        taken = list(self._buffer)
        self._buffer.clear()
        return taken

    async def aclose(self) -> None:
        await self._batches.aclose()


async def queued(live: asyncio.Queue) -> AsyncIterator[list[LiveEvent]]:
    """A live queue's events (None ends it), in batches of what was queued together."""
    while True:
        event = await live.get()
        batch: list[LiveEvent] = []
        while event is not None:
            batch.append(event)
            if live.empty():
                break
            event = live.get_nowait()
        if batch:
            yield batch
        if event is None:
            return
