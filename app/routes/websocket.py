"""WebSocket mode on /v1/responses (the upgrade decides; POST stays create): the handshake's
key and tenant, the cap on open sockets, then text frames in and out, and the journal and metrics
of each client event. What the frames mean is services/sockets.py: its Session gets the responses
service, the upstream (if any), the socket's `send` and the `record` callback from here."""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI, WebSocket
from starlette.websockets import WebSocketDisconnect

from responses_mock.errors import APIError, error_response
from responses_mock.routes import api
from responses_mock.services.container import Services
from responses_mock.services.journal import MAX_REPLY, RequestNote, entry
from responses_mock.services.sockets import PATH, Dropped, Record, Session
from responses_mock.wire import socket_events
from responses_mock.wire.stored import dumps

GOING_AWAY, INTERNAL_ERROR, POLICY, TRY_AGAIN_LATER = 1001, 1011, 1008, 1013


class OpenSockets:
    """How many sockets this process holds open: past `max_websockets` a handshake is refused,
    so idle sockets cannot take every descriptor (each also holds its lanes and runs)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.count = limit, 0

    def refusal(self) -> APIError:
        return APIError(f"Too many WebSocket connections are open on this server (at most {self.limit}). Close "
                        "one, or retry later.", status=429, type="requests", code="rate_limit_exceeded",
                        headers={"retry-after": "1"})


async def _refuse(websocket: WebSocket, err: APIError, code: int) -> None:
    """Refused at the handshake, as an HTTP reply in the envelope (the SDK raises its status); a
    server without the denial extension accepts, sends the error event, and closes with `code`."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error_response(err, err.headers))
    elif code == POLICY:
        await websocket.close(POLICY, err.message[:120])
    else:
        await websocket.accept()
        await websocket.send_text(dumps(socket_events.error(err)))
        await websocket.close(code, err.message[:120])


async def _open(websocket: WebSocket, sockets: OpenSockets) -> None:
    try:
        tenant = api.tenant(websocket)
    except APIError as err:
        await _refuse(websocket, err, POLICY)
        return
    if sockets.count >= sockets.limit:
        await _refuse(websocket, sockets.refusal(), TRY_AGAIN_LATER)
        return
    sockets.count += 1  # counted from here: the handshake may still fail, the finally releases it
    try:
        await websocket.accept()
        await _serve(websocket, api.services(websocket), tenant)
    finally:
        sockets.count -= 1


def _reply_text(reply: dict) -> str:
    """A reply as the journal keeps it: its first MAX_REPLY bytes, as the middleware keeps an HTTP reply's."""
    text = dumps(reply)
    if len(text) > MAX_REPLY // 4:  # it may be past MAX_REPLY bytes (at most four a character)
        text = text.encode()[:MAX_REPLY].decode("utf-8", "ignore")
    return text


def _recorder(services: Services, headers: dict[str, str]) -> Record:
    """Journal and meter one client event of this socket (method `WS`), as the middleware does a
    request; its reply (serialised only when journaled) as the middleware keeps an HTTP reply."""
    metrics, journal = services.metrics, services.journal

    def record(note: RequestNote, text: str, status: int, started: float, reply: dict | None) -> None:
        metrics.observe("WS", PATH, status, time.perf_counter() - started)
        if journal.enabled:
            journal.record(entry(note, method="WS", path=PATH, query="", headers=headers, body=text,
                                 status=status, started=started,
                                 reply=_reply_text(reply) if reply is not None else None))

    return record


async def _serve(websocket: WebSocket, services: Services, tenant: str) -> None:
    headers = api.headers(websocket)
    async def send(text: str) -> None:
        try:
            await websocket.send_text(text)
        except (WebSocketDisconnect, RuntimeError):  # the client is gone: the session stops sending
            raise Dropped from None

    session = Session(tenant, headers, responses=services.responses, send=send, upstream=services.upstream,
                      record=_recorder(services, headers), max_lanes=services.settings.websocket_max_lanes)
    deadline = time.monotonic() + services.settings.websocket_max_age
    dropped = asyncio.ensure_future(session.dropped.wait())
    try:
        while True:
            receiving = asyncio.ensure_future(_text_frame(websocket))
            done, _ = await asyncio.wait({receiving, dropped}, timeout=max(deadline - time.monotonic(), 0),
                                         return_when=asyncio.FIRST_COMPLETED)
            if receiving not in done:
                receiving.cancel()
                if dropped in done:  # an injected fault: the connection drops mid-way
                    await websocket.close(INTERNAL_ERROR)
                else:  # the real API's 60-minute limit: say so, then close
                    await websocket.send_text(dumps(socket_events.error(socket_events.CONNECTION_LIMIT)))
                    await websocket.close()
                return
            await session.receive(receiving.result())
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away (or the socket closed under a send): its runs go on
    finally:
        dropped.cancel()
        await session.close()


async def _text_frame(websocket: WebSocket) -> str:
    """The next client message as text (a binary frame is read as UTF-8 JSON too)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    if message.get("text") is not None:
        return message["text"]
    return (message.get("bytes") or b"").decode("utf-8", "replace")


def install(app: FastAPI, max_websockets: int) -> None:
    sockets = OpenSockets(max_websockets)  # the transport's own count, not a service's

    async def responses_socket(websocket: WebSocket) -> None:
        await _open(websocket, sockets)

    app.add_api_websocket_route(PATH, responses_socket, name="responses_socket")
