"""Server-sent events as the real API sends them: `event: <type>` and `data: <json>`, LF line
ends — an sse-starlette EventSourceResponse fed pre-encoded frames. Each event is its own SSE
message; the frames of events that exist together (a run's unpaced burst, a replay's read) go out
in one body message, as the real API's TCP stream coalesces them, and a paced event goes out
alone the moment it exists (services/feed.py).

A disconnect stops only this socket: the run it watches is detached and finishes (and stays
resumable). A slow reader is throttled by flow control, never cut (no send timeout). Every stream
ends with an event: its run's terminal one, or an `error` event (a fault under it, a store away
too long, shutdown). At shutdown an open stream gets `shutdown_grace` seconds (less a margin) to
end; then its run, if it is here, fails (`error`, `response.failed`), and a follower of a run
elsewhere gets an `error` event (services/drain.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse

from responses_mock.errors import Disconnect, StreamCut
from responses_mock.services.drain import Drain
from responses_mock.services.endings import SERVER_ERROR, error_fields
from responses_mock.services.feed import Feed
from responses_mock.wire.stored import LiveEvent, dumps

log = logging.getLogger("responses_mock.sse")

KEEPALIVE = 15.0  # seconds between `: keep-alive` comments (proxies drop idle sockets)
_KEEPALIVE_FRAME = b": keep-alive\n\n"
_HEADERS = {"cache-control": "no-cache"}  # the real API's; sse-starlette adds x-accel-buffering: no


def _keepalive() -> bytes:
    return _KEEPALIVE_FRAME


def _encoded(batch: list[LiveEvent]) -> bytes:
    """The SSE messages of these events, encoded at once: this runs for every event of every stream."""
    return "".join([f"event: {type_}\ndata: {data}\n\n" for _, type_, data in batch]).encode()


async def _frames(events: AsyncIterator[LiveEvent], drain: Drain) -> AsyncIterator[bytes]:
    drain.streams += 1
    last = -1
    ready = events.ready if isinstance(events, Feed) else list
    try:
        async for event in events:
            batch = [event, *ready()]
            last = batch[-1][0]
            yield _encoded(batch)
    except (Disconnect, StreamCut):
        raise  # an injected fault: the stream stops without its end, as the rule says
    except Exception:  # a fault under the stream (a bug): it still ends with an event
        log.exception("a stream failed")
        event = {"type": "error", **error_fields(SERVER_ERROR), "sequence_number": last + 1}
        yield _encoded([(last + 1, "error", dumps(event))])
    finally:
        drain.streams -= 1


def event_stream(events: AsyncIterator[LiveEvent], drain: Drain) -> EventSourceResponse:
    # sse-starlette's own shutdown cut comes after the grace: the drain ends streams before it.
    return EventSourceResponse(_frames(events, drain), headers=_HEADERS, sep="\n", ping=KEEPALIVE,
                               ping_message_factory=_keepalive, shutdown_grace_period=drain.grace + 1.0)
