"""create_app(): the FastAPI application, its lifespan (engine, migrations, worker pool) and routers."""

from __future__ import annotations

import logging
import os
import socket
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from responses_mock import __version__
from responses_mock.config import Settings, get_settings
from responses_mock.errors import install_error_handlers
from responses_mock.queue.notify import Notifier
from responses_mock.queue.pg_listen import EVENTS, FIXTURES, PgListener
from responses_mock.queue.worker import WorkerPool
from responses_mock.middleware import RequestContextMiddleware
from responses_mock.routes import V1, admin, health, inspector, websocket
from responses_mock.backends import registry
from responses_mock.services import catalog, prompts, tokens
from responses_mock.services.background import BackgroundService
from responses_mock.services.inspector import InspectorService
from responses_mock.services.conversations import ConversationsService
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.journal import JournalService
from responses_mock.services.metrics import Metrics
from responses_mock.services.responses import ResponsesService
from responses_mock.services.streams import StreamsService
from responses_mock.store import db
from responses_mock.wire import openapi

log = logging.getLogger("responses_mock")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Start-up, in order: store, schema, services, then the workers that use them.
        engine = db.make_engine(settings.resolved_database_url, settings.db_max_connections)
        try:
            await db.open_store(engine, settings.migrate_on_start)  # SQLite: its WAL checkpointer runs from now on
        except db.StoreUnavailable as exc:
            log.error("responses-mock cannot start: %s", exc)
            await db.dispose(engine)
            raise
        notifier = Notifier()
        if settings.catalog:
            log.info("added %d models from %s", catalog.extend(settings.catalog), settings.catalog)
        for name in catalog.listed():  # an unknown backend fails the start, not a request
            model = catalog.resolve(name)
            registry.get(model.backend)
            tokens.encoding(model.encoding)  # built now (~0.2 s), not by somebody's first request
        fixtures = FixturesService(engine)
        listener = PgListener(engine)  # other replicas' writes wake us (Postgres)
        try:
            await listener.start({EVENTS: notifier.notify, FIXTURES: lambda _: fixtures.changed()})
        except Exception as exc:
            log.error("responses-mock cannot start: %s", db.describe_failure(engine, exc))
            await db.dispose(engine)
            raise
        if settings.fixtures:
            loaded = await fixtures.load_file(settings.fixtures)
            templates = await prompts.load_file(engine, settings.fixtures)
            log.info("loaded %d fixture rules and %d prompt templates from %s", loaded, templates, settings.fixtures)
        journal = JournalService(engine, keep=settings.journal_keep, enabled=settings.journal)
        await journal.start()
        app.state.fixtures, app.state.journal = fixtures, journal
        app.state.metrics = Metrics(engine)
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(app):x}"
        background = BackgroundService(engine, notifier, worker_id)
        pool = WorkerPool(engine, background, settings)
        app.state.engine = engine
        app.state.pool = pool
        app.state.responses = ResponsesService(engine, settings, notifier, fixtures, wake_workers=pool.wake)
        app.state.background = background
        app.state.inspector = InspectorService(engine, background)
        # Followers wake on notifications; re-reading the log is only a safety net when every
        # writer notifies (one SQLite process, or Postgres with LISTEN).
        sqlite = db.is_sqlite(engine)

        def poll() -> float:  # one SQLite process: every write wakes its followers itself
            if sqlite:
                return max(settings.stream_poll_interval, 30.0)
            return max(settings.stream_poll_interval, 10.0) if listener.active else settings.stream_poll_interval

        app.state.streams = StreamsService(engine, notifier, poll)
        app.state.conversations = ConversationsService(engine)
        await pool.start()
        log.info("responses-mock %s: store %s; %d models; %d workers; journal %s; fixtures %s", __version__,
                 db.display_url(settings.resolved_database_url), len(catalog.listed()), settings.worker_concurrency,
                 "on" if settings.journal else "off", settings.fixtures or "none")
        try:
            yield
        finally:
            # Shutdown: workers first (they fail what they cannot finish), then the stream runs, then the store.
            await pool.stop()
            await app.state.responses.close()
            await journal.stop()
            await listener.close()
            await db.dispose(engine)

    # Docs load their assets from the installed package (fastapi-offline), never from a CDN.
    # FastAPI's own telemetry stays off: it would look up tracer and meter providers per request.
    app = FastAPIOffline(title="responses-mock", version=__version__, lifespan=lifespan,
                         swagger_ui_parameters={"validatorUrl": None},
                         telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False})
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    for endpoints in V1:  # first: a request is matched against the routes in order, and /v1 is the hot path
        endpoints.install(app)
    websocket.install(app)
    app.include_router(health.router)
    app.include_router(admin.router)
    inspector.install(app)
    openapi.install(app, (op for endpoints in V1 for op in endpoints.operations))
    return app


def __getattr__(name: str):
    # `responses_mock.main:app` for uvicorn, built on first access so importing this module has no side effects.
    if name == "app":
        return create_app()
    raise AttributeError(name)
