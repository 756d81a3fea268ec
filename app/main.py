"""create_app(): the FastAPI application, its lifespan (the store, the services built once on it,
their start and stop, in order) and its routes."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
from collections.abc import Awaitable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from responses_mock import __version__, datafiles
from responses_mock.backends import registry
from responses_mock.config import Settings, get_settings
from responses_mock.errors import InvalidRequest
from responses_mock.middleware import RequestContextMiddleware
from responses_mock.routes import V1, admin, health, inspector, openapi, websocket
from responses_mock.routes.errors import install_error_handlers
from responses_mock.services import catalog, tokens
from responses_mock.services.container import Services, build_services
from responses_mock.services.drain import uvicorn_exiting
from responses_mock.store.handle import Store, StoreUnavailable
from responses_mock.store.pg_listen import EVENTS, FIXTURES

log = logging.getLogger("responses_mock")


def _check_catalog(settings: Settings) -> None:
    if settings.catalog:
        log.info("added %d models from %s", catalog.extend(settings.catalog), settings.catalog)
    for name in catalog.listed():  # an unknown backend fails the start, not a request
        model = catalog.resolve(name)
        registry.get(model.backend)
        tokens.encoding(model.encoding)  # built now (~0.2 s), not by somebody's first request


async def _start(services: Services, settings: Settings) -> None:
    """LISTEN, the fixtures file, then the workers that use them; a failure closes the store."""
    store, fixtures = services.store, services.fixtures
    try:  # other replicas' writes wake us (Postgres)
        await services.listener.start({EVENTS: services.notifier.notify, FIXTURES: lambda _: fixtures.changed()})
    except Exception as exc:
        log.error("responses-mock cannot start: %s", store.describe_failure(exc))
        await store.dispose()
        raise
    if settings.fixtures:
        try:
            loaded = await fixtures.load_file(settings.fixtures)
            templates = await services.prompts.load_file(settings.fixtures)
        except (datafiles.DataError, InvalidRequest) as exc:  # the file's fault: say so, no traceback
            where = "" if isinstance(exc, datafiles.DataError) else f"{settings.fixtures}: "  # it names the file
            log.error("responses-mock cannot start: %s%s", where, exc)
            await store.dispose()
            raise SystemExit(1) from None
        log.info("loaded %d fixture rules and %d prompt templates from %s", loaded, templates, settings.fixtures)
    await services.journal.start()
    await services.pool.start()


async def _stop(services: Services) -> None:
    """What still runs is failed and stored, then the store closes: each step bounded, under a second in all."""
    services.drain.end_now()
    await services.pool.stop(0.3)
    await services.responses.close(0.2)
    if services.upstream is not None:
        await _bounded(services.upstream.close(), 0.2)
    await services.journal.stop(0.2)
    await _bounded(services.listener.close(), 0.1)
    await services.drain.close()
    await _bounded(services.store.dispose(), 0.2)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Start-up, in order: store, schema, services, then the workers that use them.
        store = Store(settings.resolved_database_url, settings.db_max_connections)
        try:
            await store.open(settings.migrate_on_start)  # SQLite: its WAL checkpointer runs from now on
        except StoreUnavailable as exc:
            log.error("responses-mock cannot start: %s", exc)
            await store.dispose()
            raise
        _check_catalog(settings)
        services = build_services(settings, store, worker_id=f"{socket.gethostname()}:{os.getpid()}:{id(app):x}")
        await _start(services, settings)
        app.state.services = services  # what routes, the middleware and sockets reach (routes/api.py services())
        # Start-up's objects (modules, the SDK's types, the catalog) live for ever: frozen, a full
        # collection walks only what requests made, not ~1M objects (80 ms on the loop, at random).
        gc.freeze()
        # SIGTERM reaches uvicorn's handler (a process of its own) or a test sets its server's
        # `should_exit` (testing/server.py leaves the server on app.state): the drain starts.
        server_exiting = lambda: bool(getattr(getattr(app.state, "server", None), "should_exit", False))
        services.drain.watch(lambda: uvicorn_exiting() or server_exiting())
        # worker_concurrency: background jobs this process runs at once (not --workers, its processes)
        log.info("responses-mock %s: store %s; %d models; background jobs %d at once; journal %s; fixtures %s",
                 __version__,
                 store.display_url, len(catalog.listed()), settings.worker_concurrency,
                 "on" if settings.journal else "off", settings.fixtures or "none")
        if settings.upstream:  # the URL only (a password in it is redacted): never the key
            log.info("misses go to the upstream %s (%s)", settings.upstream,
                     "recording" if settings.record else "not recording")
        elif settings.strict:
            log.info("strict mode: a create no fixture rule answers is a 400 fixture_not_found")
        try:
            yield
        finally:
            # Shutdown (uvicorn has waited for the connections).
            await _stop(services)

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
    websocket.install(app, settings.max_websockets)
    health.endpoints.install(app)
    admin.endpoints.install(app)
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
