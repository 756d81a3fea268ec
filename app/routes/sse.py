"""Server-sent events as the real API sends them: `event: <type>` and `data: <json>`, LF line
ends, one body message per event — an sse-starlette EventSourceResponse fed pre-encoded frames.

A disconnect stops only this socket: the run it watches is detached and finishes (and stays
resumable). A slow reader is throttled by flow control, never cut (no send timeout). At shutdown
an open stream gets `shutdown_grace` seconds to end before it is cut; its run resumes on restart.
"""

from __future__ import annotations

from typing import AsyncIterator

from sse_starlette import EventSourceResponse

from responses_mock.services.responses import LiveEvent

KEEPALIVE = 15.0  # seconds between `: keep-alive` comments (proxies drop idle sockets)
_KEEPALIVE_FRAME = b": keep-alive\n\n"
_HEADERS = {"cache-control": "no-cache"}  # the real API's; sse-starlette adds x-accel-buffering: no


def _keepalive() -> bytes:
    return _KEEPALIVE_FRAME


async def _frames(events: AsyncIterator[LiveEvent]) -> AsyncIterator[bytes]:
    async for _, type_, data in events:
        yield b"event: " + type_.encode() + b"\ndata: " + data.encode() + b"\n\n"


def event_stream(events: AsyncIterator[LiveEvent], grace: float) -> EventSourceResponse:
    return EventSourceResponse(_frames(events), headers=_HEADERS, sep="\n", ping=KEEPALIVE,
                               ping_message_factory=_keepalive, shutdown_grace_period=grace)
