"""Liveness, readiness and metrics, outside /v1 and without auth.

`/ready` tells the truth about writes: 503 while the store is unreachable, while this process's
writes fail (a full disk: reads still work), and once shutdown has begun; 200 again as soon as
a write succeeds (it makes one itself, at most every PROBE_EVERY seconds, to find out).
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from responses_mock.routes.render import json
from responses_mock.store import db
from responses_mock.store.health import describe

router = APIRouter(tags=["health"])

PROBE_EVERY = 1.0  # seconds between write probes while writes fail
TIMEOUT = 2.0  # seconds a readiness check may take


@router.get("/health")
async def health() -> Response:
    return json({"status": "ok"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format: requests, latency, open streams, the job queue, the journal."""
    state = request.app.state
    body = await state.metrics.render(len(state.pool.running))
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _unavailable(error: str) -> Response:
    return json({"status": "unavailable", "error": error}, status=503)


@router.get("/ready")
async def ready(request: Request) -> Response:
    state = request.app.state
    if state.drain.begun.is_set():
        return json({"status": "shutting_down"}, status=503)
    engine = state.engine
    watch = db.health(engine)
    try:
        await asyncio.wait_for(db.ping(engine), TIMEOUT)
        if not watch.writable and time.monotonic() - getattr(state, "probed_at", 0.0) >= PROBE_EVERY:
            state.probed_at = time.monotonic()
            await asyncio.wait_for(db.probe(engine), TIMEOUT)  # tells `watch` how it went
    except Exception as exc:  # the store is away: not ready, but the process is alive
        return _unavailable(describe(exc))
    if not watch.writable:
        return _unavailable(f"writes fail: {watch.failure}")
    return json({"status": "ok"})
