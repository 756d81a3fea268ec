"""The SSE response (routes/sse.py) over a Feed (services/feed.py): events that exist together go
out in one body message, each still its own SSE message, in order; a paced event goes out alone,
the moment it exists. A run's Live hands its watcher what was put since it last looked."""

from __future__ import annotations

import asyncio
import time

from responses_mock.routes.sse import event_stream
from responses_mock.services.drain import Drain
from responses_mock.services.feed import Feed, Live
from responses_mock.wire.stored import dumps


def _event(seq: int, type_: str = "response.output_text.delta") -> tuple[int, str, str]:
    return seq, type_, dumps({"type": type_, "delta": f"token {seq}", "sequence_number": seq})


async def _serve(feed) -> list[tuple[float, bytes]]:
    """Run the response as uvicorn would; (time, body) of each body message it sends."""
    sent: list[tuple[float, bytes]] = []
    forever = asyncio.Event()

    async def receive():
        await forever.wait()  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.body" and message.get("body"):
            sent.append((time.monotonic(), message["body"]))

    scope = {"type": "http", "method": "POST", "path": "/v1/responses", "headers": [], "asgi": {"version": "3.0"}}
    await asyncio.wait_for(event_stream(feed, Drain(1.0))(scope, receive, send), 10)
    return sent


def _messages(body: bytes) -> list[tuple[str, str]]:
    """The SSE messages of a body, as a client's parser splits them (a blank line ends each)."""
    out = []
    for block in body.decode().split("\n\n"):
        if block:
            lines = dict(line.split(": ", 1) for line in block.split("\n"))
            out.append((lines["event"], lines["data"]))
    return out


async def test_events_that_exist_together_go_out_in_one_send_as_separate_messages():
    live = Live()
    events = [_event(n) for n in range(64)] + [_event(64, "response.completed")]
    for e in events[:64]:  # an unpaced run's burst: put before the stream reads any of it
        live.put(e)

    async def end_later():
        await asyncio.sleep(0.05)  # the terminal event, once the end is stored
        live.put(events[64])
        live.end()

    ender = asyncio.create_task(end_later())
    sent = await _serve(live.feed())
    await ender
    assert len(sent) == 2  # the burst, then the end: not 65 sends
    assert _messages(sent[0][1]) == [(t, d) for _, t, d in events[:64]]
    assert _messages(b"".join(body for _, body in sent)) == [(t, d) for _, t, d in events]


async def test_paced_events_go_out_one_at_a_time_as_they_happen():
    live = Live()
    made: list[float] = []

    async def paced_run():
        for n in range(5):
            await asyncio.sleep(0.03)  # a token's pace
            made.append(time.monotonic())
            live.put(_event(n))
        live.end()

    run = asyncio.create_task(paced_run())
    sent = await _serve(live.feed())
    await run
    assert [_messages(body) for _, body in sent] == [[("response.output_text.delta", _event(n)[2])] for n in range(5)]
    for n, (at, _) in enumerate(sent):
        assert at >= made[n]
        if n + 1 < len(made):
            assert at < made[n + 1]  # out before the next token exists: nothing held back to merge


async def test_a_feed_hands_out_what_is_ready_in_order_and_ends_with_its_source():
    async def batches():
        yield [_event(0), _event(1), _event(2)]
        yield [_event(3)]

    feed = Feed(batches())
    assert feed.ready() == []  # nothing read yet
    assert await feed.__anext__() == _event(0)
    assert feed.ready() == [_event(1), _event(2)]
    assert feed.ready() == []
    assert [e async for e in feed] == [_event(3)]


async def test_a_plain_iterator_streams_one_event_a_send():
    async def one_by_one():
        for n in range(3):
            yield _event(n)

    sent = await _serve(one_by_one())
    assert [_messages(body) for _, body in sent] == [[("response.output_text.delta", _event(n)[2])] for n in range(3)]


async def test_a_live_hands_out_what_was_put_since_it_last_looked_and_ends_after_the_rest():
    live = Live()
    batches = live.batches()
    live.put(_event(0))
    live.put(_event(1))
    assert await batches.__anext__() == [_event(0), _event(1)]
    waiting = asyncio.create_task(batches.__anext__())
    await asyncio.sleep(0)
    assert not waiting.done()  # nothing put: the watcher waits
    live.put(_event(2))
    assert await asyncio.wait_for(waiting, 1) == [_event(2)]
    live.put(_event(3))
    live.end()  # what was put before the end still comes
    assert [batch async for batch in batches] == [[_event(3)]]


async def test_a_live_that_ends_while_its_watcher_waits_wakes_it():
    live = Live()
    feed = live.feed()
    waiting = asyncio.create_task(feed.__anext__())
    await asyncio.sleep(0)
    live.end()
    try:
        await asyncio.wait_for(waiting, 1)
    except StopAsyncIteration:
        return
    raise AssertionError("the feed did not end")
