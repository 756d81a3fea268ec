"""Server-sent events as the real API sends them: `event: <type>` and `data: <json>`, LF line
ends, one body message per event.

Our own response rather than sse-starlette's: that one runs a task group of four tasks for every
connection, ~38 KB per open stream (measured, bench/RESULTS.md) — most of the 50 MB a thousand
idle streams may cost. Here an open stream is its request's task plus one watcher, which reads
the socket for the client's disconnect (and then cancels the stream) and sends a keep-alive
comment while nothing else flows. At shutdown, uvicorn cuts streams still open after
`shutdown_grace` seconds.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from starlette.types import Receive, Scope, Send

from responses_mock.services.responses import LiveEvent

KEEPALIVE = 15.0  # seconds of silence before a `: keep-alive` comment (proxies drop idle sockets)
_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no")]  # nginx: pass events on as they come


class EventStream:
    def __init__(self, events: AsyncIterator[LiveEvent]) -> None:
        self.events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        stream = asyncio.current_task()
        gone = False

        async def watch() -> None:
            nonlocal gone
            while True:
                try:
                    message = await asyncio.wait_for(receive(), KEEPALIVE)
                except asyncio.TimeoutError:
                    await send({"type": "http.response.body", "body": b": keep-alive\n\n", "more_body": True})
                    continue
                if message["type"] == "http.disconnect":
                    gone = True
                    stream.cancel()  # a disconnect only stops this socket: the run itself is detached
                    return

        watcher = asyncio.create_task(watch())
        try:
            async for _, type_, data in self.events:
                await send({"type": "http.response.body", "more_body": True,
                            "body": b"event: " + type_.encode() + b"\ndata: " + data.encode() + b"\n\n"})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not gone:
                raise  # cancelled from outside (shutdown): let it go on
            stream.uncancel()
        finally:
            watcher.cancel()
