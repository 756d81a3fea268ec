"""The baseline: minimal FastAPI routes on the same server stack, with no store. Every figure is
reported as a ratio of them:

- create / retrieve: parse the JSON body, return a Response-sized JSON body;
- create / retrieve, stored: the same through SQLAlchemy 2 (async, aiosqlite) the plain way — one
  transaction a create inserting the body, one select a retrieve, WAL and synchronous=NORMAL as
  this server's SQLite — what a stored write costs on this stack before any of this server's work;
- the stream: a bare sse-starlette EventSourceResponse sending a recorded 65-event stream (~20 KB,
  bench/sample_stream.jsonl) one send per event — what a plain SSE endpoint on this stack costs —
  and the same events in one send (the stack's floor for a whole stream).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from sqlalchemy import Column, MetaData, String, Table, Text, event, insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from sse_starlette.sse import EventSourceResponse
from starlette.responses import Response

BODY = (Path(__file__).parent / "sample_response.json").read_bytes()
# (type, json) of each event of a 65-event stream of this server, as recorded.
EVENTS = [tuple(json.loads(line)) for line in (Path(__file__).parent / "sample_stream.jsonl").read_text().splitlines()]

SAMPLE_ID = json.loads(BODY)["id"].encode()
rows = Table("responses", MetaData(), Column("id", String, primary_key=True), Column("body", Text, nullable=False))


@asynccontextmanager
async def lifespan(app: FastAPI):
    folder = tempfile.mkdtemp(prefix="bench-baseline-")
    engine = create_async_engine(os.environ.get("BENCH_BASELINE_DB", f"sqlite+aiosqlite:///{folder}/baseline.db"))

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi, _record):
        for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"):
            dbapi.cursor().execute(pragma)

    async with engine.begin() as conn:
        await conn.run_sync(rows.metadata.create_all)
    app.state.engine = engine
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


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


@app.post("/v1/stored/responses")
async def create_stored(request: Request) -> Response:
    json.loads(await request.body())
    rid = b"resp_" + secrets.token_hex(24).encode()
    body = BODY.replace(SAMPLE_ID, rid, 1)
    async with request.app.state.engine.begin() as conn:
        await conn.execute(insert(rows).values(id=rid.decode(), body=body.decode()))
    return Response(body, media_type="application/json")


@app.get("/v1/stored/responses/{response_id}")
async def retrieve_stored(request: Request, response_id: str) -> Response:
    async with request.app.state.engine.connect() as conn:
        body = (await conn.execute(select(rows.c.body).where(rows.c.id == response_id))).scalar()
    if body is None:
        raise HTTPException(404)
    return Response(body.encode(), media_type="application/json")


@app.get("/v1/idle-stream")
async def idle_stream() -> EventSourceResponse:
    """The stack's own cost of an open SSE stream: one event, then nothing."""
    async def events():
        yield {"event": "response.queued", "data": "{}"}
        await asyncio.sleep(3600)

    return EventSourceResponse(events(), ping=15)


@app.post("/v1/stream/per-event")
async def stream_per_event(request: Request) -> EventSourceResponse:
    """sse-starlette encoding and sending each event: one ASGI send per event."""
    json.loads(await request.body())

    async def events():
        for type_, data in EVENTS:
            yield {"event": type_, "data": data}

    return EventSourceResponse(events(), sep="\n")


ONE_SEND = "".join(f"event: {type_}\ndata: {data}\n\n" for type_, data in EVENTS).encode()


@app.post("/v1/stream/one-send")
async def stream_one_send(request: Request) -> EventSourceResponse:
    """The same frames in one send: the stack's own floor for the whole stream."""
    json.loads(await request.body())

    async def events():
        yield ONE_SEND

    return EventSourceResponse(events(), sep="\n")
