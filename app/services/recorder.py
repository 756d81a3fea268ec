"""The event sink of a stored run: keeps the event log in the database and feeds live watchers.

Events are written in batches (at most every `flush_interval` seconds, and with the final state
in the run's last transaction), so an unpaced 1,000-token stream costs one write, not a thousand.
A store that is away never stops the run: its events stay pending (retried after a backoff)
and its end writes them all, or fails it (services/stream_runs.py, services/background.py).
"""

from __future__ import annotations

import logging
import time

from responses_mock.services.feed import Feed, Live
from responses_mock.store import events as event_store
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.health import Outage
from responses_mock.store.notify import Notifier
from responses_mock.wire.events import EventNumberer
from responses_mock.wire.objects import TERMINAL
from responses_mock.wire.stored import dumps

log = logging.getLogger("responses_mock.recorder")

TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
RETRY_MAX = 2.0  # seconds between a failing store's retries, at most


class Recorder:
    """Serialises each event at once (events reference the live response object)."""

    def __init__(self, store: Store | None, response_id: str, notifier: Notifier,
                 live: Live | None = None, flush_interval: float = 0.05,
                 outage: Outage | None = None) -> None:
        self.store = store  # None: store=false, nothing is persisted
        self.response_id = response_id
        self.notifier = notifier
        self.live = live
        self.flush_interval = flush_interval
        self.outage = outage or Outage(log, "writing stream events")
        self.pending: list[tuple[int, str, str, float]] = []
        self._held: list[tuple[int, str, str]] = []
        self._last_flush = time.monotonic()
        self._retry_at = 0.0
        self._backoff = 0.0
        self._unsure = False  # a write failed: it may have landed all the same (its reply was lost)

    async def __call__(self, event: dict) -> None:
        if self.put(event["sequence_number"], event["type"], dumps(event)):
            await self.drain()

    def put(self, seq: int, type_: str, data: str) -> bool:
        """An event as its JSON text, made once for the log and the live watcher alike (the
        lifecycle builds a token's text without a dict); True when a write is due: `drain()`."""
        if self.live is not None:
            # The terminal event waits for close_live(): a client that retrieves the response the
            # moment it sees `response.completed` must find it committed.
            if type_ in TERMINAL_EVENTS:
                self._held.append((seq, type_, data))
            else:
                self.live.put((seq, type_, data))
        if self.store is None:
            return False
        self.pending.append((seq, type_, data, time.time()))
        now = time.monotonic()
        return now - self._last_flush >= self.flush_interval and now >= self._retry_at

    async def drain(self) -> None:
        """The write put() said is due; a store that is away keeps the events pending (the run
        goes on) and is tried again after a backoff."""
        try:
            await self.flush()
        except Exception as exc:
            self.outage.failed(exc)
            self._backoff = min(max(self._backoff * 2, 0.1), RETRY_MAX)
            self._retry_at = time.monotonic() + self._backoff
        else:
            self.outage.ok()
            self._backoff = 0.0

    async def flush(self) -> None:
        """Write what is pending (kept pending if it fails), in the driver's group commit: the
        runs that flush together share one COMMIT (on Postgres, one fsync) instead of one each."""
        if not self.pending or self.store is None:
            return
        reads = self.store.direct
        n = await self._unlogged(reads)
        async with reads.transaction() as tx:
            await event_store.append(tx, self.response_id, self.pending[:n])
        self.written(n)
        self.notifier.notify(self.response_id)

    async def write(self, conn) -> int:
        """Write what is pending in the caller's transaction; once it commits, the caller says
        `written(n)` (until then a retry writes them again). After a failed write, what the log
        already has is skipped: a commit whose reply was lost did land."""
        if not self.pending or self.store is None:
            return 0
        n = await self._unlogged(conn)
        await event_store.append(conn, self.response_id, self.pending[:n])
        return n

    async def finish(self, final: dict) -> str | None:
        """Store the run's end — what is pending of its log, and its final state — in the driver's
        group commit (store/direct.py), beside whatever else commits now: no pooled connection and
        no COMMIT of its own. The status the row already had if something else ended it first
        (then nothing is written); None once written."""
        assert self.store is not None
        reads = self.store.direct
        status = await response_store.status_of(reads, self.response_id)
        if status in TERMINAL:
            return status
        n = await self._unlogged(reads)
        async with reads.transaction() as tx:
            await event_store.append(tx, self.response_id, self.pending[:n])
            await response_store.finish(tx, self.response_id, final)
        self.written(n)
        return None

    async def _unlogged(self, source) -> int:
        """Before a write: drop what the log already has (a try whose reply was lost did land);
        how many pending events the write takes. `source`: the store's driver, or the transaction."""
        if self._unsure:
            last = await event_store.last_seq(source, self.response_id)
            self.pending = [e for e in self.pending if e[0] > last]
        self._unsure = True
        return len(self.pending)

    def written(self, n: int) -> None:
        del self.pending[:n]
        self._unsure = False
        self._last_flush = time.monotonic()

    def replace_ending(self, ending: list[tuple[str, dict]], next_seq: int) -> None:
        """End differently from what the run emitted (its end could not be stored): its terminal
        event is dropped, unsent and unwritten, and these events (type, fields) take its place,
        after everything that was sent."""
        dropped = [e[0] for e in self.pending + self._held if e[1] in TERMINAL_EVENTS]
        self.pending = [e for e in self.pending if e[1] not in TERMINAL_EVENTS]
        self._held = [e for e in self._held if e[1] not in TERMINAL_EVENTS]
        numbers = EventNumberer(min(dropped) if dropped else next_seq)
        for type_, fields in ending:
            event = numbers.make(type_, **fields)
            data = dumps(event)
            self._held.append((event["sequence_number"], event["type"], data))
            if self.store is not None:
                self.pending.append((event["sequence_number"], event["type"], data, time.time()))

    def feed(self) -> Feed:
        """The live events, for the one watcher of this run (events queued together come together)."""
        assert self.live is not None
        return self.live.feed()

    def close_live(self) -> None:
        """Call after the final state is committed: release the terminal event, end the stream."""
        if self.live is not None:
            for row in self._held:
                self.live.put(row)
            self.live.end()
