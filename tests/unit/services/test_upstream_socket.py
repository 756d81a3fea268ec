"""The upstream socket relays a forwarded create's events unchanged until the create's end — a
terminal event, a refusal, a cancel, or a run's error with no `response.failed` after it — records
the answer through the Upstream (a warm-up's not), and drops a socket left mid-create."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.protocol import State

from responses_mock.services import upstream_socket
from responses_mock.services.upstream_socket import UpstreamSocket, _type_of, socket_url


def ev(kind: str, **fields) -> str:
    return orjson.dumps({"type": kind, **fields}).decode()


FINAL = {"id": "resp_up", "status": "completed", "output": []}


class Conn:
    """The upstream's socket: answers each frame sent with the next script."""

    def __init__(self, *scripts: list[str]) -> None:
        self.scripts, self.sent, self.queue = list(scripts), [], asyncio.Queue()
        self.state = State.OPEN

    async def send(self, text: str) -> None:
        self.sent.append(text)
        for frame in self.scripts.pop(0):
            self.queue.put_nowait(frame)

    async def recv(self) -> str:
        return await self.queue.get()

    async def close(self) -> None:
        self.state = State.CLOSED


class Upstream:
    base = "http://127.0.0.1:9/v1"

    def __init__(self) -> None:
        self.saved, self.errors = [], []

    async def answered(self, turn, answer, timing, *, streamed):
        self.saved.append((turn.params["input"], answer["id"], streamed, timing.elapsed >= 0))

    async def refused(self, turn, status, content, headers):
        self.errors.append((status, orjson.loads(content)["error"]["code"], headers))

    def sent_headers(self, incoming):
        return {"authorization": incoming.get("authorization", "")}


@pytest.fixture
def opened(monkeypatch):
    """An UpstreamSocket on a scripted connection; how many times it opened one."""
    made: list[Conn] = []

    def make(*scripts):
        up = Upstream()
        sock = UpstreamSocket(up, "tenant", {"authorization": "Bearer sk-x"})
        conn = Conn(*scripts)

        async def fake_open(self=sock):
            if self._conn is None or self._conn.state is not State.OPEN:
                made.append(conn)
                self._conn = conn
            return self._conn

        monkeypatch.setattr(sock, "_open", fake_open)
        return sock, up, conn, made

    return make


async def relay(sock, text="hi", generate=True):
    out: list[str] = []

    async def send(frame: str) -> None:
        out.append(frame)

    relayed = await sock.forward({"input": text}, None, {"type": "response.create", "input": text},
                                 ev("response.create", input=text), send, generate=generate)
    return relayed, out


def test_urls_and_types():
    assert socket_url("https://api.openai.com/v1") == "wss://api.openai.com/v1/responses"
    assert socket_url("http://127.0.0.1:8000/v1") == "ws://127.0.0.1:8000/v1/responses"
    assert _type_of(ev("response.output_text.delta", delta="x")) == "response.output_text.delta"
    assert _type_of('{"sequence_number":1,"type":"response.created"}') == "response.created"
    assert _type_of("not json") == ""


async def test_events_are_relayed_unchanged_to_the_terminal_one_and_recorded(opened):
    frames = [ev("response.created", response={**FINAL, "status": "in_progress"}, sequence_number=0),
              ev("response.output_text.delta", delta="Hi", sequence_number=1),
              ev("response.completed", response=FINAL, sequence_number=2)]
    sock, up, conn, made = opened(frames, frames)
    relayed, out = await relay(sock)
    assert out == frames and relayed.final == FINAL and up.saved == [("hi", "resp_up", True, True)]
    await relay(sock, "warm", generate=False)  # a warm-up: relayed, not recorded; the same socket
    assert len(up.saved) == 1 and len(made) == 1 and len(conn.sent) == 2


async def test_a_runs_error_waits_for_its_failed_event_and_a_refusal_is_recorded_as_one(opened):
    failed = {**FINAL, "status": "failed"}
    refusal = {"type": "error", "status": 429, "error": {"code": "rate_limit_exceeded", "message": "Slow down.",
                                                          "headers": {"retry-after": "2"}}}
    sock, up, _, made = opened(
        [ev("error", error={"code": "server_error", "message": "x"}, sequence_number=3),
         ev("response.failed", response=failed, sequence_number=4)],
        [orjson.dumps(refusal).decode()])
    relayed, out = await relay(sock)
    assert relayed.final == failed and len(out) == 2 and up.saved[0][1] == "resp_up"
    relayed, _ = await relay(sock)
    assert relayed.error == refusal and up.errors == [(429, "rate_limit_exceeded", {"retry-after": "2"})]
    assert len(made) == 1


async def test_a_cancel_ends_the_create_and_a_quiet_after_an_error_drops_the_socket(opened, monkeypatch):
    monkeypatch.setattr(upstream_socket, "AFTER_ERROR", 0.05)
    sock, up, conn, made = opened(
        [ev("error", error={"code": "response_cancelled", "message": "Cancelled."}, sequence_number=2)],
        [ev("error", error={"code": "server_error", "message": "x"}, sequence_number=5)])
    relayed, _ = await relay(sock)
    assert relayed.error["error"]["code"] == "response_cancelled" and conn.state is State.OPEN
    relayed, _ = await relay(sock)
    assert relayed.error["error"]["code"] == "server_error" and conn.state is State.CLOSED
    assert sock._conn is None and up.saved == up.errors == [] and len(made) == 1


async def test_a_client_gone_mid_create_closes_the_upstream_socket(opened):
    sock, _, conn, _ = opened([ev("response.created", sequence_number=0), ev("response.completed",
                                                                             response=FINAL, sequence_number=1)])

    class Gone(Exception):
        pass

    async def gone(frame: str) -> None:
        raise Gone

    with pytest.raises(Gone):
        await sock.forward({"input": "hi"}, None, {}, "{}", gone, generate=True)
    assert conn.state is State.CLOSED and sock._conn is None
