"""Liveness, readiness and metrics, outside /v1 and without auth.

`/ready` tells the truth about writes (services/readiness.py decides).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import JSONResponse, Response

from responses_mock.routes import api
from responses_mock.routes.render import json

# The document says JSON replies, as it did when these were an APIRouter's.
endpoints = api.Endpoints("health", prefix="", response_class=JSONResponse)


@endpoints.get("/health")
async def health(request: Request) -> Response:
    return json({"status": "ok"})


@endpoints.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format: requests, latency, open streams, the job queue, the journal."""
    services = api.services(request)
    body = await services.metrics.render(len(services.pool.running))
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


@endpoints.get("/ready")
async def ready(request: Request) -> Response:
    """200 while writes can be served; 503 while the store is away, its writes fail, or shutdown has begun."""
    status, error = await api.services(request).readiness.check()
    if status == "ok":
        return json({"status": status})
    return json({"status": status} if error is None else {"status": status, "error": error}, status=503)
