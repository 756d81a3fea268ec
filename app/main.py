"""create_app(): the FastAPI application, its lifespan (engine, migrations, worker pool) and routers."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
from contextlib import asynccontextmanager
from typing import Awaitable

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from responses_mock import __version__, datafiles
from responses_mock.config import Settings, get_settings
from responses_mock.errors import InvalidRequest
from responses_mock.routes.errors import install_error_handlers
from responses_mock.store.notify import Notifier
from responses_mock.store.pg_listen import EVENTS, FIXTURES, PgListener
from responses_mock.services.worker import WorkerPool
from responses_mock.middleware import RequestContextMiddleware
from responses_mock.routes import V1, admin, health, inspector, websocket
from responses_mock.backends import registry
from responses_mock.services import catalog, prompts, tokens
from responses_mock.services.background import BackgroundService
from responses_mock.services.readiness import Readiness
from responses_mock.services.inspector import InspectorService
from responses_mock.services.conversations import ConversationsService
from responses_mock.services.drain import Drain, uvicorn_exiting
from responses_mock.services.endings import SHUTDOWN
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.journal import JournalService
from responses_mock.services.metrics import Metrics
from responses_mock.services.responses import ResponsesService
from responses_mock.services.streams import StreamsService
from responses_mock.store import db
from responses_mock.routes import openapi

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

        def gap() -> None:  # LISTEN was lost (or is back): what its notifications guard may be stale
            fixtures.changed()
            notifier.notify_all()

        listener = PgListener(engine, on_gap=gap)  # other replicas' writes wake us (Postgres)
        try:
            await listener.start({EVENTS: notifier.notify, FIXTURES: lambda _: fixtures.changed()})
        except Exception as exc:
            log.error("responses-mock cannot start: %s", db.describe_failure(engine, exc))
            await db.dispose(engine)
            raise
        if settings.fixtures:
            try:
                loaded = await fixtures.load_file(settings.fixtures)
                templates = await prompts.load_file(engine, settings.fixtures)
            except (datafiles.DataError, InvalidRequest) as exc:  # the file's fault: say so, no traceback
                where = "" if isinstance(exc, datafiles.DataError) else f"{settings.fixtures}: "  # it names the file
                log.error("responses-mock cannot start: %s%s", where, exc)
                await db.dispose(engine)
                raise SystemExit(1) from None
            log.info("loaded %d fixture rules and %d prompt templates from %s", loaded, templates, settings.fixtures)
        metrics = Metrics(engine)
        journal = JournalService(engine, keep=settings.journal_keep, enabled=settings.journal,
                                 on_drop=metrics.journal_dropped.inc)
        metrics.journal_backlog.set_function(lambda: journal.backlog)
        await journal.start()
        app.state.fixtures, app.state.journal, app.state.metrics = fixtures, journal, metrics
        drain = Drain(settings.shutdown_grace)
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(app):x}"
        background = BackgroundService(engine, notifier, worker_id)
        background.stopping = drain.due  # once the grace is over, a run's end waits for nobody
        responses = ResponsesService(engine, settings, notifier, fixtures, worker_id=worker_id,
                                     stopping=drain.due)
        pool = WorkerPool(engine, background, settings, owned_streams=responses.runs.owned)
        responses.wake_workers = pool.wake
        drain.when_begun(pool.drain)

        def end_live() -> None:  # the grace is over: fail the runs here; wake followers to end
            pool.abort(SHUTDOWN)
            responses.runs.abort_all(SHUTDOWN)
            notifier.notify_all()

        drain.when_due(end_live)
        drain.busy_while(lambda: bool(pool.running) or responses.runs.busy)
        app.state.engine, app.state.pool, app.state.drain = engine, pool, drain
        app.state.readiness = Readiness(engine, drain)
        app.state.responses = responses
        app.state.background = background
        app.state.inspector = InspectorService(engine, background)
        # Followers wake on notifications; re-reading the log is only a safety net when every
        # writer notifies (one SQLite process, or Postgres with LISTEN).
        sqlite = db.is_sqlite(engine)

        def poll() -> float:  # one SQLite process: every write wakes its followers itself
            if sqlite:
                return max(settings.stream_poll_interval, 30.0)
            return max(settings.stream_poll_interval, 10.0) if listener.active else settings.stream_poll_interval

        app.state.streams = StreamsService(engine, notifier, poll, drain,
                                           runs_here=lambda rid: rid in background.runs or rid in responses.runs)
        app.state.conversations = ConversationsService(engine)
        await pool.start()
        # Start-up's objects (modules, the SDK's types, the catalog) live for ever: frozen, a full
        # collection walks only what requests made, not ~1M objects (80 ms on the loop, at random).
        gc.freeze()
        # SIGTERM reaches uvicorn's handler (a process of its own) or a test sets its server's
        # `should_exit` (testing/server.py leaves the server on app.state): the drain starts.
        server_exiting = lambda: bool(getattr(getattr(app.state, "server", None), "should_exit", False))  # noqa: E731
        drain.watch(lambda: uvicorn_exiting() or server_exiting())
        log.info("responses-mock %s: store %s; %d models; %d workers; journal %s; fixtures %s", __version__,
                 db.display_url(settings.resolved_database_url), len(catalog.listed()), settings.worker_concurrency,
                 "on" if settings.journal else "off", settings.fixtures or "none")
        try:
            yield
        finally:
            # Shutdown (uvicorn has waited for the connections): what still runs here is failed
            # and stored, then the store closes — each step bounded, under a second in all.
            drain.end_now()
            await pool.stop(0.3)
            await responses.close(0.2)
            await journal.stop(0.2)
            await _bounded(listener.close(), 0.1)
            await drain.close()
            await _bounded(db.dispose(engine), 0.2)

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


async def _bounded(step: Awaitable[None], seconds: float) -> None:
    """A closing step that may not hold the shutdown longer than `seconds` (a store that is away)."""
    try:
        await asyncio.wait_for(step, seconds)
    except Exception as exc:
        log.warning("a shutdown step did not finish: %s", type(exc).__name__)


def __getattr__(name: str):
    # `responses_mock.main:app` for uvicorn, built on first access so importing this module has no side effects.
    if name == "app":
        return create_app()
    raise AttributeError(name)
