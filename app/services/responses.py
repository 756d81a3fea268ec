"""Responses: a create's stages (prepare, then one driver per mode), retrieve, delete, input items,
token counts.

A create is `prepare` (services/prepare.py: everything decided before a token) and then the driver
its mode names — `run_sync` (this request runs it: the final response), `start_stream` (a detached
run: its live events), `enqueue` (a worker runs it: the queued response). Every driver runs the
same Lifecycle, built by prepare.lifecycle_for; they differ in who drives it (this request, a
detached task, a worker) and who watches it (nobody, this request's socket, followers of the log).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping

import orjson

from responses_mock.config import Settings
from responses_mock.services import catalog, context, prepare, rows
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.lifecycle import Lifecycle
from responses_mock.services.paging import item_page
from responses_mock.services.prepare import Mode, Prepared
from responses_mock.services.rows import not_found
from responses_mock.services.stream_runs import StreamRuns
from responses_mock.store import events as event_store
from responses_mock.store import jobs as job_store
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.items import RESPONSE_ITEMS
from responses_mock.store.notify import Notifier
from responses_mock.wire import objects
from responses_mock.wire.events import EventNumberer
from responses_mock.wire.stored import LiveEvent, dumps


class ResponsesService:
    def __init__(self, store: Store, settings: Settings, notifier: Notifier, fixtures: FixturesService,
                 wake_workers: Callable[[], None] = lambda: None, *, worker_id: str = "",
                 stopping: asyncio.Event | None = None) -> None:
        self.store = store
        self.fixtures = fixtures
        self.settings = settings
        self.notifier = notifier
        self.wake_workers = wake_workers
        self.worker_id = worker_id  # a streamed run's row names its owner (services/stream_runs.py)
        self.runs = StreamRuns(store, notifier, stopping)

    # -- create: prepare, then the driver of its mode -----------------------------------------

    async def prepare(self, tenant: str, params: dict, headers: Mapping[str, str], *,
                      local: Mapping[str, list[dict]] | None = None, generate: bool = True) -> Prepared:
        """Everything decided before a token (services/prepare.py); raises what the API refuses."""
        return await prepare.prepare(tenant, params, headers, store=self.store, settings=self.settings,
                                     fixtures=self.fixtures, local=local, generate=generate)

    async def run_sync(self, p: Prepared) -> bytes:
        """Run it here, to its end; the final response's JSON, stored once (group-committed):
        the reply's bytes are the row's, encoded once."""
        assert p.mode is Mode.SYNC
        final = await prepare.lifecycle_for(p).run()
        body = orjson.dumps(final)
        await rows.record(self.store, p, final, text=body.decode())
        return body

    async def start_stream(self, p: Prepared, *,
                           watch: Callable[[Lifecycle], None] | None = None) -> AsyncIterator[LiveEvent]:
        """Store it as started (owned by this process) and run it detached from the caller's
        socket; its live events. `watch` gets the run's lifecycle (a WebSocket steers it)."""
        assert p.mode is Mode.STREAM
        recorder = self.runs.recorder(p.response)
        lifecycle = prepare.lifecycle_for(p, sink=recorder)
        await rows.record(self.store, p, p.response, owner=self.worker_id)
        if watch is not None:  # only a run that was stored and will run is watched (steered)
            watch(lifecycle)
        return self.runs.start(lifecycle, recorder, p.tenant, p.conversation_id)

    async def enqueue(self, p: Prepared) -> dict:
        """Queue it for a worker: the row, its items, the created/queued events, the job and the
        conversation's input, all or nothing; the queued response."""
        assert p.mode is Mode.BACKGROUND
        response = p.response
        numbers = EventNumberer()
        first = [numbers.make(t, response=response) for t in ("response.created", "response.queued")]
        # The job and the events are Core statements (with a NOTIFY): a SQLAlchemy transaction.
        async with self.store.begin() as conn:
            await rows.insert(conn, p, response)
            await event_store.append(conn, response["id"], [(e["sequence_number"], e["type"], dumps(e)) for e in first])
            await job_store.enqueue(conn, response["id"], time.time() + p.pace.queue_delay, p.tenant)
            await rows.append_turn(conn, p.tenant, p.conversation_id, input=p.context.new)
        self.wake_workers()
        return response

    async def close(self, timeout: float) -> None:
        """Shutdown: end the detached stream runs (failed, if they have not finished) within `timeout`."""
        await self.runs.close(timeout)

    # -- read / delete -----------------------------------------------------------------------

    async def retrieve(self, tenant: str, response_id: str) -> str:
        body = await response_store.get_body(self.store.direct, tenant, response_id)
        if body is None:
            raise not_found(response_id)
        return body

    async def delete(self, tenant: str, response_id: str) -> dict:
        async with self.store.begin() as conn:
            if not await response_store.remove(conn, tenant, response_id):
                raise not_found(response_id)
        return objects.deleted(response_id, "response")

    async def input_items(self, tenant: str, response_id: str, *, limit: int, order: str,
                          after: str | None) -> bytes:
        reads = self.store.direct
        if not await response_store.exists(reads, tenant, response_id):
            raise not_found(response_id)
        return await item_page(reads, RESPONSE_ITEMS, response_id, limit=limit, order=order, after=after,
                               owner="response")

    async def count_input_tokens(self, tenant: str, params: dict) -> dict:
        encoding, snapshot = "o200k_base", ""
        if params.get("model"):
            model = catalog.resolve(params["model"])
            encoding, snapshot = model.encoding, model.snapshot
        ctx = await context.build(self.store, tenant, params)
        await prepare.warm([m.text for m in context.messages(ctx)] + [ctx.instructions or ""], encoding)
        return objects.input_tokens(context.count_input_tokens(ctx, encoding, snapshot, params.get("tools")))
