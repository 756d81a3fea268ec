"""WebSocket mode on /v1/responses (the upgrade decides; POST stays create): the handshake's
key and tenant, then text frames in and out. What the frames mean is services/sockets.py."""

from __future__ import annotations

import asyncio
import time

import orjson
from fastapi import FastAPI, WebSocket
from starlette.websockets import WebSocketDisconnect

from responses_mock.errors import APIError, error_response
from responses_mock.routes import api
from responses_mock.services.sockets import PATH, Session
from responses_mock.wire import socket_events

GOING_AWAY, INTERNAL_ERROR, POLICY = 1001, 1011, 1008


async def responses_socket(websocket: WebSocket) -> None:
    state = websocket.app.state
    try:
        tenant = api.tenant(websocket)
    except APIError as err:
        # Refused at the handshake, as an HTTP reply in the envelope (the SDK raises its status);
        # a server without the denial extension closes instead.
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            await websocket.send_denial_response(error_response(err))
        else:
            await websocket.close(POLICY, err.message[:120])
        return
    await websocket.accept()
    session = Session(state, tenant, api.headers(websocket), websocket.send_text)
    deadline = time.monotonic() + state.settings.websocket_max_age
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
                    await websocket.send_text(orjson.dumps(socket_events.error(socket_events.CONNECTION_LIMIT)).decode())
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


def install(app: FastAPI) -> None:
    app.add_api_websocket_route(PATH, responses_socket, name="responses_socket")
