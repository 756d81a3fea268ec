"""Liveness and readiness, outside /v1 and without auth."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import Response

from app.routes.deps import json

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> Response:
    return json({"status": "ok"})


@router.get("/ready")
async def ready(request: Request) -> Response:
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the store is down: not ready, but the process is alive
        return json({"status": "unavailable", "error": str(exc)}, status=503)
    return json({"status": "ok"})
