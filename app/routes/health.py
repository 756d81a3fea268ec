"""Liveness, readiness and metrics, outside /v1 and without auth.

`/ready` tells the truth about writes (services/readiness.py decides).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from responses_mock.routes.render import json

router = APIRouter(tags=["health"])

@router.get("/health")
async def health() -> Response:
    return json({"status": "ok"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format: requests, latency, open streams, the job queue, the journal."""
    state = request.app.state
    body = await state.metrics.render(len(state.pool.running))
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/ready")
async def ready(request: Request) -> Response:
    """200 while writes can be served; 503 while the store is away, its writes fail, or shutdown has begun."""
    status, error = await request.app.state.readiness.check()
    if status == "ok":
        return json({"status": status})
    return json({"status": status} if error is None else {"status": status, "error": error}, status=503)
