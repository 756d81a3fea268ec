"""Following a response's event log: replay after N, then live events until the end.

Works from any replica: events are read from the database; this process's notifier makes local
updates immediate, other replicas' writes arrive by Postgres NOTIFY (store/pg_listen.py), and a
periodic re-read is the safety net for a lost notification.

A follower always ends with an event: the run's terminal one; or, if the store stays away for
STORE_WAIT seconds, or this process shuts down while the run goes on elsewhere, an `error` event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import orjson

from responses_mock.errors import InvalidRequest
from responses_mock.services.drain import MARGIN, Drain
from responses_mock.services.endings import SERVER_ERROR, STORE_WAIT, STREAM_CLOSED, error_fields
from responses_mock.services.feed import Feed
from responses_mock.services.recorder import TERMINAL_EVENTS
from responses_mock.services.rows import not_found
from responses_mock.store import events as event_store
from responses_mock.store import responses as response_store
from responses_mock.store.direct import Direct
from responses_mock.store.handle import Store
from responses_mock.store.health import Outage
from responses_mock.store.notify import Notifier
from responses_mock.wire.events import EventNumberer
from responses_mock.wire.objects import TERMINAL
from responses_mock.wire.stored import LiveEvent, StoredRequest, dumps

log = logging.getLogger("responses_mock.streams")



def error_event(last: int, message: str) -> LiveEvent:
    """An `error` event that ends a follower's stream (numbered after what it saw; not logged)."""
    event = EventNumberer(last + 1).make("error", **error_fields(message))
    return event["sequence_number"], "error", dumps(event)


class StreamsService:
    def __init__(self, store: Store, notifier: Notifier, poll_interval: Callable[[], float],
                 drain: Drain | None = None, runs_here: Callable[[str], bool] = lambda rid: False) -> None:
        self.store = store
        self.notifier = notifier
        self.poll_interval = poll_interval
        self.drain = drain or Drain(0.0)
        self.runs_here = runs_here  # whether this process runs a response (its end is on the way at shutdown)
        self._reads = Outage(log, "reading event logs for followers")

    async def follow(self, tenant: str, response_id: str, after: int | None,
                     obfuscation: bool = True) -> Feed:
        """Check the response now (errors before the stream starts), then return its events (each
        read's batch together)."""
        reads = self.store.direct
        row = await response_store.get(reads, response_id, tenant)
        if row is None:
            raise not_found(response_id)
        # Whether it keeps events is a fact of the request, known from its row at once: its log
        # may still be on its way to the store (a client cut mid-stream resumes within
        # milliseconds, before the recorder's next write), and the follower waits for it.
        if not (row.background or StoredRequest.from_json(row.request).streamed):
            raise InvalidRequest("This response cannot be streamed: only responses created with "
                                 "background=true or stream=true keep their events.", param="stream")
        batches = self._batches(reads, response_id, -1 if after is None else after)
        return Feed(batches if obfuscation else _without_obfuscation(batches))

    async def _batches(self, reads: Direct, response_id: str, last: int) -> AsyncIterator[list[LiveEvent]]:
        # Reads on the driver (store/direct.py): no pooled connection is held between them.
        loop = asyncio.get_running_loop()
        away_since = cut_at = None
        delay = 0.1
        while True:
            try:
                batch = await event_store.after(reads, response_id, last)
                ended = False
                if not batch:
                    status = await response_store.status_of(reads, response_id)
                    if status is None or status in TERMINAL:
                        # The final events commit with the final status: one last read gets them all.
                        batch, ended = await event_store.after(reads, response_id, last), True
            except Exception as exc:  # the store is away: wait for it, a while
                self._reads.failed(exc)
                away_since = away_since or loop.time()
                if loop.time() - away_since >= STORE_WAIT or self.drain.due.is_set():
                    yield [error_event(last, SERVER_ERROR)]
                    return
                await self.notifier.wait(response_id, delay)
                delay = min(delay * 2, 1.0)
                continue
            self._reads.ok()
            away_since, delay = None, 0.1
            for n, event in enumerate(batch):
                if event[1] in TERMINAL_EVENTS:
                    yield batch[:n + 1]
                    return
            if batch:
                yield batch
                last = batch[-1][0]
            if ended:
                return
            if batch:
                continue
            if self.drain.due.is_set():  # shutdown: runs here are failing now; one elsewhere goes on
                cut_at = cut_at or loop.time() + MARGIN * (0.75 if self.runs_here(response_id) else 0.25)
                if loop.time() >= cut_at:
                    yield [error_event(last, STREAM_CLOSED)]
                    return
                await self.notifier.wait(response_id, 0.05)
                continue
            await self.notifier.wait(response_id, self.poll_interval())


async def _without_obfuscation(batches: AsyncIterator[list[LiveEvent]]) -> AsyncIterator[list[LiveEvent]]:
    """The log's delta events without their padding (`include_obfuscation=false` on a replay)."""
    async for batch in batches:
        yield [_unpadded(event) for event in batch]


def _unpadded(event: LiveEvent) -> LiveEvent:
    seq, type_, data = event
    if type_.endswith(".delta") and '"obfuscation"' in data:
        fields = orjson.loads(data)
        fields.pop("obfuscation", None)
        data = dumps(fields)
    return seq, type_, data
