"""The event sink of a stored run: keeps the event log in the database and feeds live watchers.

Events are written in batches (at most every `flush_interval` seconds, and with the final state
in the run's last transaction), so an unpaced 1,000-token stream costs one write, not a thousand.
"""

from __future__ import annotations

import asyncio
import time

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from responses_mock.store import db
from responses_mock.queue.notify import Notifier
from responses_mock.store import events as event_store

TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})


class Recorder:
    """Serialises each event at once (events reference the live response object)."""

    def __init__(self, engine: AsyncEngine | None, response_id: str, notifier: Notifier,
                 live: asyncio.Queue | None = None, flush_interval: float = 0.05) -> None:
        self.engine = engine  # None: store=false, nothing is persisted
        self.response_id = response_id
        self.notifier = notifier
        self.live = live
        self.flush_interval = flush_interval
        self.pending: list[tuple[int, str, str, float]] = []
        self._held: list[tuple[int, str, str]] = []
        self._last_flush = time.monotonic()

    async def __call__(self, event: dict) -> None:
        data = orjson.dumps(event).decode()
        if self.live is not None:
            # The terminal event waits for close_live(): a client that retrieves the response the
            # moment it sees `response.completed` must find it committed.
            row = (event["sequence_number"], event["type"], data)
            if event["type"] in TERMINAL_EVENTS:
                self._held.append(row)
            else:
                self.live.put_nowait(row)
        if self.engine is None:
            return
        self.pending.append((event["sequence_number"], event["type"], data, time.time()))
        if time.monotonic() - self._last_flush >= self.flush_interval:
            await self.flush()

    async def flush(self, conn=None) -> None:
        """Write what is pending; with `conn`, inside the caller's transaction."""
        if not self.pending or self.engine is None:
            return
        batch, self.pending = self.pending, []
        if conn is not None:
            await event_store.append(conn, self.response_id, batch)
        else:
            async with db.begin(self.engine) as own:
                await event_store.append(own, self.response_id, batch)
            self.notifier.notify(self.response_id)
        self._last_flush = time.monotonic()

    def close_live(self) -> None:
        """Call after the final state is committed: release the terminal event, end the stream."""
        if self.live is not None:
            for row in self._held:
                self.live.put_nowait(row)
            self.live.put_nowait(None)
