"""A slow reader is throttled by flow control, never cut: streams a client opens and leaves unread
for 15 s still deliver every event, in order, when they are finally read."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from responses_mock.testing.admin import AdminClient
from tests.conftest import new_key

pytestmark = pytest.mark.slow  # streams left unread for 15 s

STREAMS = 200
UNREAD_FOR = 15.0
ANSWER = " ".join(f"word{i}" for i in range(300))  # ~600 deltas, ~100 KB: more than the buffers hold


async def _open(port: int, key: str, n: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    # A small receive buffer, so the server's writes back up into its own flow control quickly.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=2**20)
    body = json.dumps({"model": "gpt-4.1", "input": f"slow reader {n}", "stream": True}).encode()
    writer.write(b"POST /v1/responses HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n"
                 b"authorization: Bearer " + key.encode() + b"\r\ncontent-length: " + str(len(body)).encode()
                 + b"\r\n\r\n" + body)
    await writer.drain()
    return reader, writer


async def _read_all(reader: asyncio.StreamReader) -> list[dict]:
    """Every event of a chunked SSE reply, until the terminal one."""
    events = []
    while True:
        line = await asyncio.wait_for(reader.readline(), 30)
        if not line:
            return events
        if line.startswith(b"data: "):
            events.append(json.loads(line[6:]))
            if events[-1]["type"] in ("response.completed", "response.failed", "response.incomplete"):
                return events


def test_streams_left_unread_deliver_everything(make_server):
    server = make_server("sqlite")
    key = new_key()
    AdminClient(server.url, api_key=key).respond({"input_contains": "slow reader"}, text=ANSWER)
    port = int(server.url.rsplit(":", 1)[1])

    async def scenario() -> list[list[dict]]:
        sockets = [await _open(port, key, n) for n in range(STREAMS)]
        await asyncio.sleep(UNREAD_FOR)  # nobody reads: the server must wait, not cut
        try:
            return await asyncio.gather(*(_read_all(reader) for reader, _ in sockets))
        finally:
            for _, writer in sockets:
                writer.close()

    results = asyncio.run(scenario())
    complete = [events for events in results if events and events[-1]["type"] == "response.completed"]
    assert len(complete) == STREAMS, f"{STREAMS - len(complete)} of {STREAMS} streams were cut"
    for events in complete:
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
        assert text == ANSWER
