"""The baseline: a minimal FastAPI route on the same server stack that parses the JSON body and
returns a Response-sized JSON body, with no store. Every figure is reported as a ratio of it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from fastapi import FastAPI, Request
from sse_starlette.sse import EventSourceResponse
from starlette.responses import Response

BODY = (Path(__file__).parent / "sample_response.json").read_bytes()

app = FastAPI()


@app.get("/health")
async def health() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@app.post("/v1/responses")
async def create(request: Request) -> Response:
    json.loads(await request.body())
    return Response(BODY, media_type="application/json")


@app.get("/v1/responses/{response_id}")
async def retrieve(response_id: str) -> Response:
    return Response(BODY, media_type="application/json")


@app.get("/v1/idle-stream")
async def idle_stream() -> EventSourceResponse:
    """The stack's own cost of an open SSE stream: one event, then nothing."""
    async def events():
        yield {"event": "response.queued", "data": "{}"}
        await asyncio.sleep(3600)

    return EventSourceResponse(events(), ping=15)
