"""WebSocket mode while recording (`--upstream`): a socket's `response.create` that no fixture
rule answers goes over a WebSocket to the upstream's /v1/responses, its events go back to the
client unchanged as they come, and its answer is recorded as a forwarded HTTP stream's is
(Upstream.answered and Upstream.refused; services/recording.py makes the rule).

One upstream socket per client connection, opened at its first forwarded create (with the
handshake credential the HTTP path sends) and closed with the client's. Forwarded creates take it
one at a time, so every event read belongs to the create being relayed; a create that ends
mid-way (the client left, a cancel, the upstream went quiet) closes it, and the next one opens a
fresh socket rather than read the abandoned create's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.protocol import State

from responses_mock.errors import APIError
from responses_mock.services.prepare import Prepared
from responses_mock.services.recorder import TERMINAL_EVENTS
from responses_mock.services.recording import Timing
from responses_mock.services.upstream import Turn, Upstream, continued, unreachable
from responses_mock.wire.stored import dumps

OPEN_TIMEOUT = 10.0  # seconds for the upstream's handshake (an HTTP forward's connect timeout)
IDLE_TIMEOUT = 600.0  # seconds between two upstream events, at most (an HTTP forward's read timeout)
AFTER_ERROR = 5.0  # seconds a run's `error` event waits for its `response.failed` before the create ends
MAX_EVENT = 64 << 20  # bytes of one upstream event (a final response carries its whole output)
_NOT_HANDSHAKE = ("content-type", "accept", "user-agent")  # user-agent goes as websockets' own header
_TYPE = '{"type":"'


@dataclass(frozen=True)
class Relayed:
    """How a forwarded create ended: its final response, or the `error` event that ended it."""

    final: dict | None = None
    error: dict | None = None


def socket_url(base: str) -> str:
    """The upstream's WebSocket endpoint: `https://host/v1` → `wss://host/v1/responses`."""
    scheme, _, rest = base.partition("://")
    return {"https": "wss", "http": "ws"}.get(scheme, scheme) + "://" + rest + "/responses"


def _type_of(frame: str) -> str:
    """An event's type; read off its first field when it leads (both servers put it first)."""
    if frame.startswith(_TYPE):
        end = frame.find('"', len(_TYPE))
        if end > 0:
            return frame[len(_TYPE):end]
    try:
        event = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return ""
    kind = event.get("type") if isinstance(event, dict) else None
    return kind if isinstance(kind, str) else ""


def _refusal(status: int, body: bytes) -> APIError:
    """The upstream's handshake refused (a bad key, too many sockets): its envelope, its status."""
    try:
        error = orjson.loads(body).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        error = {}
    error = error if isinstance(error, dict) else {}
    text = lambda key: error[key] if isinstance(error.get(key), str) else None
    return APIError(text("message") or f"The upstream API refused the WebSocket connection ({status}).",
                    status=status, type=text("type") or ("server_error" if status >= 500 else "invalid_request_error"),
                    code=text("code"), param=text("param"))


class UpstreamSocket:
    def __init__(self, upstream: Upstream, tenant: str, headers: Mapping[str, str]) -> None:
        self.upstream, self.tenant, self.headers = upstream, tenant, headers
        self._conn: ClientConnection | None = None
        self._turn = asyncio.Lock()  # one forwarded create at a time on the socket
        self._recording: set[asyncio.Task] = set()  # recordings under way (the loop holds tasks only weakly)

    async def forward(self, params: dict, p: Prepared | None, event: dict, text: str,
                      send: Callable[[str], Awaitable[None]], *, generate: bool,
                      ended: Callable[[Relayed], None] = lambda relayed: None) -> Relayed:
        """A create no rule answers (`p`: this server's preparation, None when the upstream is to
        decide it), relayed: the frame as the client sent it, or, continuing a chain or conversation
        of this server's, with the whole context as input. A warm-up's answer is not recorded (no
        output to replay; a replay answers warm-ups itself).

        `ended` is told how it ended before the recording: a client that closes its socket once it
        has its answer cancels the caller (Session.close) there, and the recording goes on."""
        if p is not None and (params.get("previous_response_id") or params.get("conversation")):
            turn, sent = continued(self.tenant, params, p, event)
            text = dumps(sent)
        else:
            turn = Turn(self.tenant, params)
        relayed, timing = await self._relay(text, send)
        ended(relayed)
        if generate and relayed.final is not None:
            await self._owed(self.upstream.answered(turn, relayed.final, timing, streamed=True))
        elif generate and relayed.error is not None and isinstance(relayed.error.get("status"), int):
            inner = relayed.error.get("error")
            headers = inner.get("headers") if isinstance(inner, dict) else None
            await self._owed(self.upstream.refused(turn, relayed.error["status"], orjson.dumps(relayed.error),
                                                   headers if isinstance(headers, dict) else {}))
        return relayed

    async def _owed(self, recording: Coroutine[object, object, None]) -> None:
        """The recording of an answer the client has whole: run to its end even when the caller is
        cancelled (it would be lost with no word logged), held here until then."""
        task = asyncio.create_task(recording)
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)
        await asyncio.shield(task)

    async def _relay(self, text: str, send: Callable[[str], Awaitable[None]]) -> tuple[Relayed, Timing]:
        async with self._turn:
            conn = await self._open()
            timing, started, ended = Timing(), time.monotonic(), False
            try:
                await conn.send(text)
                relayed = await self._events(conn, started, timing, send)
                ended = True
                return relayed, timing
            except (WebSocketException, OSError, TimeoutError) as exc:
                raise unreachable(exc) from None
            finally:
                if not ended:  # its later events would be read as the next create's
                    await self.close()

    async def _events(self, conn: ClientConnection, started: float, timing: Timing,
                      send: Callable[[str], Awaitable[None]]) -> Relayed:
        """Relay events until the create's end: a terminal event, or an `error` that ends it (a
        refusal, unnumbered; a cancel; a run's failure whose `response.failed` does not follow)."""
        failure: dict | None = None
        while True:
            try:
                frame = await asyncio.wait_for(conn.recv(), AFTER_ERROR if failure else IDLE_TIMEOUT)
            except TimeoutError:
                if failure is None:
                    raise
                await self.close()  # quiet after an error: its stragglers must not reach the next create
                return Relayed(error=failure)
            if isinstance(frame, bytes):
                frame = frame.decode("utf-8", "replace")
            kind = _type_of(frame)
            timing.saw(kind, time.monotonic() - started)
            await send(frame)
            if kind in TERMINAL_EVENTS:
                response = orjson.loads(frame).get("response")
                return Relayed(final=response if isinstance(response, dict) else None)
            if kind == "error":
                event = orjson.loads(frame)
                inner = event.get("error") if isinstance(event.get("error"), dict) else {}
                if "sequence_number" not in event or inner.get("code") == "response_cancelled":
                    return Relayed(error=event)
                failure = event

    async def _open(self) -> ClientConnection:
        if self._conn is not None and self._conn.state is State.OPEN:
            return self._conn
        await self.close()
        sent = self.upstream.sent_headers(self.headers)
        try:
            self._conn = await connect(
                socket_url(self.upstream.base), open_timeout=OPEN_TIMEOUT, max_size=MAX_EVENT, compression=None,
                additional_headers={k: v for k, v in sent.items() if k not in _NOT_HANDSHAKE},
                user_agent_header=self.headers.get("user-agent"))
        except InvalidStatus as exc:
            raise _refusal(exc.response.status_code, exc.response.body or b"") from None
        except (WebSocketException, OSError, TimeoutError) as exc:
            raise unreachable(exc) from None
        return self._conn

    async def close(self) -> None:
        if self._recording:  # the client's socket is gone: its last answers are still saved first
            await asyncio.wait(list(self._recording), timeout=5)
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)
