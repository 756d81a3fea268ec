"""Liveness, readiness and metrics, outside /v1 and without auth."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import Response

from responses_mock.routes.render import json

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> Response:
    return json({"status": "ok"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format: requests, latency, open streams, the job queue."""
    state = request.app.state
    body = await state.metrics.render(len(state.pool.running))
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/ready")
async def ready(request: Request) -> Response:
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the store is down: not ready, but the process is alive
        return json({"status": "unavailable", "error": str(exc)}, status=503)
    return json({"status": "ok"})
