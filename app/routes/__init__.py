"""HTTP glue only: parse, call one service function, render. All API routes live under /v1."""

from fastapi import APIRouter

from app.routes import conversations, health, models, responses

api_router = APIRouter(prefix="/v1")
api_router.include_router(responses.router)
api_router.include_router(models.router)
api_router.include_router(conversations.router)

__all__ = ["api_router", "health"]
