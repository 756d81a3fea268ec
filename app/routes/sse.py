"""Server-sent events: `event: <type>` and `data: <json>` per event, as the real API sends them."""

from __future__ import annotations

from typing import AsyncIterator

from sse_starlette.sse import EventSourceResponse

from app.services.responses import LiveEvent


def event_stream(events: AsyncIterator[LiveEvent]) -> EventSourceResponse:
    async def render():
        async for _, type_, data in events:
            yield {"event": type_, "data": data}

    # A disconnect only stops this socket's iteration: the run itself is detached (see services).
    return EventSourceResponse(render(), ping=15)
