"""create_app(): the FastAPI application, its lifespan (engine, migrations) and routers."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.config import Settings, get_settings
from app.errors import install_error_handlers
from app.routes import api_router, health
from app.services.responses import ResponsesService
from app.store import db


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = db.make_engine(settings.resolved_database_url)
        if settings.migrate_on_start:
            await db.migrate(engine)
        app.state.engine = engine
        app.state.responses = ResponsesService(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="responses-mock", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(health.router)
    return app


def __getattr__(name: str):
    # `app.main:app` for uvicorn, built on first access so importing this module has no side effects.
    if name == "app":
        return create_app()
    raise AttributeError(name)
