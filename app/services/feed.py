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


class Live:
    """A run's live events on their way to its one watcher: the run puts, the watcher takes what
    was put since it last looked, as one batch. A list and a future: an asyncio.Queue's
    bookkeeping (its counters, its Event, a get per event) cost ~1 µs an event, every token."""

    __slots__ = ("_ended", "_events", "_waiter")

    def __init__(self) -> None:
        self._events: list[LiveEvent] = []
        self._waiter: asyncio.Future | None = None
        self._ended = False

    def put(self, event: LiveEvent) -> None:
        self._events.append(event)
        if self._waiter is not None:
            self._wake()

    def end(self) -> None:
        """No more events: the batches end once what was put is taken."""
        self._ended = True
        if self._waiter is not None:
            self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if not waiter.done():
            waiter.set_result(None)

    async def batches(self) -> AsyncIterator[list[LiveEvent]]:
        while True:
            if self._events:
                batch, self._events = self._events, []
                yield batch
            elif self._ended:
                return
            else:
                self._waiter = asyncio.get_running_loop().create_future()
                await self._waiter

    def feed(self) -> Feed:
        return Feed(self.batches())
