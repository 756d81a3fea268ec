"""Following a response's event log: replay after N, then live events until the end.

Works from any replica: events are read from the database; this process's notifier makes local
updates immediate, other replicas' writes arrive by Postgres NOTIFY (queue/pg_listen.py), and a
periodic re-read is the safety net for a lost notification.
"""

from __future__ import annotations

from typing import AsyncIterator, Callable

import orjson

from sqlalchemy.ext.asyncio import AsyncEngine

from responses_mock.errors import InvalidRequest
from responses_mock.queue.notify import Notifier
from responses_mock.services.recorder import TERMINAL_EVENTS
from responses_mock.services.responses import TERMINAL, LiveEvent, not_found
from responses_mock.store import db
from responses_mock.store import events as event_store
from responses_mock.store.direct import Direct
from responses_mock.store import responses as response_store


class StreamsService:
    def __init__(self, engine: AsyncEngine, notifier: Notifier, poll_interval: Callable[[], float]) -> None:
        self.engine = engine
        self.notifier = notifier
        self.poll_interval = poll_interval

    async def follow(self, tenant: str, response_id: str, after: int | None,
                     obfuscation: bool = True) -> AsyncIterator[LiveEvent]:
        """Check the response now (errors before the stream starts), then return the iterator."""
        store = db.direct(self.engine)
        row = await response_store.get(store, response_id, tenant)
        if row is None:
            raise not_found(response_id)
        # Whether it keeps events is a fact of the request, known from its row at once: its log
        # may still be on its way to the store (a client cut mid-stream resumes within
        # milliseconds, before the recorder's next write), and the follower waits for it.
        if not (row.background or orjson.loads(row.request)["params"].get("stream")):
            raise InvalidRequest("This response cannot be streamed: only responses created with "
                                 "background=true or stream=true keep their events.", param="stream")
        events = self._events(store, response_id, -1 if after is None else after)
        return events if obfuscation else _without_obfuscation(events)

    async def _events(self, store: Direct, response_id: str, last: int) -> AsyncIterator[LiveEvent]:
        # Reads on the driver (store/direct.py): no pooled connection is held between them.
        while True:
            batch = await event_store.after(store, response_id, last)
            if not batch:
                status = await response_store.status_of(store, response_id)
                if status is None or status in TERMINAL:
                    # The final events commit with the final status: one last read gets them all.
                    for event in await event_store.after(store, response_id, last):
                        yield event
                    return
            for event in batch:
                yield event
                last = event[0]
                if event[1] in TERMINAL_EVENTS:
                    return
            if not batch:
                await self.notifier.wait(response_id, self.poll_interval())


async def _without_obfuscation(events: AsyncIterator[LiveEvent]) -> AsyncIterator[LiveEvent]:
    """The log's delta events without their padding (`include_obfuscation=false` on a replay)."""
    async for seq, type_, data in events:
        if type_.endswith(".delta") and '"obfuscation"' in data:
            event = orjson.loads(data)
            event.pop("obfuscation", None)
            data = orjson.dumps(event).decode()
        yield seq, type_, data
