"""Background runs: what a worker does with a claimed job, cancel, and orphaned-run recovery.

A run's end waits for a store that is away (STORE_WAIT seconds); past that, the run raises and
its pool fails it once the store is back (services/worker.py). Its events meanwhile stay pending in
its recorder, so a blip costs nothing.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from responses_mock.errors import InvalidRequest
from responses_mock.services import catalog, context, endings, prepare, tokens
from responses_mock.services.endings import SERVER_ERROR, SHUTDOWN, STORE_WAIT, close_open
from responses_mock.services.lifecycle import Lifecycle
from responses_mock.services.recorder import Recorder
from responses_mock.services.rows import append_turn, not_found
from responses_mock.store import events as event_store
from responses_mock.store import jobs as job_store
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.health import Outage, persist
from responses_mock.store.items import RESPONSE_ITEMS
from responses_mock.store.jobs import Job
from responses_mock.store.notify import Notifier
from responses_mock.wire import objects
from responses_mock.wire.events import CANCELLED, EventNumberer, fold_output
from responses_mock.wire.stored import StoredRequest, dumps

log = logging.getLogger("responses_mock.background")

# How long a cancel call waits for the running worker to stop and write the partial output.
CANCEL_WAIT = 10.0
TERMINAL = objects.TERMINAL


class StoreAway(Exception):
    """A run's end could not be stored within STORE_WAIT: its pool fails it when the store is back."""


class BackgroundService:
    def __init__(self, store: Store, notifier: Notifier, worker_id: str) -> None:
        self.store = store
        self.notifier = notifier
        self.worker_id = worker_id
        self.cancels: dict[str, asyncio.Event] = {}  # response id → cancel signal of runs here
        self.runs: dict[str, Lifecycle] = {}  # response id → its run here (aborted at shutdown)
        self.stopping = asyncio.Event()  # shutdown: a run's end does not wait for the store
        self._ends = Outage(log, "storing a background run's end")
        self._events = Outage(log, "writing background events")

    def abort_all(self, message: str) -> None:
        for lifecycle in self.runs.values():
            lifecycle.abort(message)

    async def run_job(self, job: Job) -> None:
        """Run a claimed job's response to its end state; the job row goes in the same commit."""
        async with self.store.begin() as conn:
            row = await response_store.get(conn, job.response_id)
            if row is None or row.status in TERMINAL:
                await job_store.finish(conn, job.id)
                return
            item_data = await RESPONSE_ITEMS.all_data(conn, job.response_id)
            first_seq = await event_store.last_seq(conn, job.response_id) + 1
        log.info("job %s: response %s run by worker %s", job.id, job.response_id, self.worker_id)
        # As its create prepared it: the model's view and its counts come from the row, not again.
        p = prepare.rehydrate(row.tenant, StoredRequest.from_json(row.request), orjson.loads(row.body),
                              [orjson.loads(d) for d in item_data])
        p = await prepare.reread(self.store, p)  # the files and search results its row does not keep
        response = p.response
        cancel = self.cancels.setdefault(job.response_id, asyncio.Event())
        if row.cancel_requested:
            cancel.set()
        recorder = Recorder(self.store, job.response_id, self.notifier, outage=self._events)
        lifecycle = prepare.lifecycle_for(p, sink=recorder, cancel=cancel, first_seq=first_seq)
        self.runs[job.response_id] = lifecycle
        if self.stopping.is_set():  # claimed as the grace ran out: it ends at once
            lifecycle.abort(SHUTDOWN)
        try:
            async with self.store.begin() as conn:
                response["status"] = "in_progress"
                await response_store.set_state(conn, job.response_id, "in_progress", response,
                                               unless=TERMINAL)
                await response_store.set_worker(conn, job.response_id, self.worker_id)
            final = await lifecycle.run()

            async def end() -> None:
                async with self.store.begin() as conn:
                    n = 0
                    # Unless a sweeper ended it meanwhile (this process seemed gone): that end stands.
                    if await response_store.status_of(conn, job.response_id) not in TERMINAL:
                        n = await recorder.write(conn)
                        if await response_store.set_state(conn, job.response_id, final["status"], final,
                                                          unless=TERMINAL):
                            await append_turn(conn, row.tenant, p.conversation_id, output=final["output"])
                    await job_store.finish(conn, job.id)
                recorder.written(n)

            if not await persist(end, self._ends, wait=STORE_WAIT, stop=self.stopping):
                raise StoreAway(SERVER_ERROR)
        finally:
            self.cancels.pop(job.response_id, None)
            self.runs.pop(job.response_id, None)
        self.notifier.notify(job.response_id)

    async def fail_orphan(self, response_id: str, reason: str) -> None:
        """End a response whose run was lost (crash, shutdown): failed, with a terminal event."""
        async with self.store.begin() as conn:
            row = await response_store.get(conn, response_id)
            await job_store.drop(conn, response_id)
            if row is None or row.status in TERMINAL:
                return
            body, seq = await _salvage(conn, row)
            if row.cancel_requested:
                body["status"] = "cancelled"
                await _log_event(conn, response_id, seq, "error", **CANCELLED)
            else:  # ended as every failure ends: the error event, then response.failed
                endings.failed(body, reason)
                for offset, (type_, fields) in enumerate(endings.failure_events(body)):
                    await _log_event(conn, response_id, seq + offset, type_, **fields)
            await response_store.set_state(conn, response_id, body["status"], body, unless=TERMINAL)
        log.warning("response %s: %s", response_id, reason)
        self.notifier.notify(response_id)

    async def cancel(self, tenant: str, response_id: str) -> str:
        """Cancel a queued or running background response; returns the response JSON."""
        async with self.store.begin() as conn:
            row = await response_store.get(conn, response_id, tenant)
            if row is None:
                raise not_found(response_id)
            if not row.background:
                raise InvalidRequest("Only responses created with background=true can be cancelled.")
            if row.status == "cancelled":
                return row.body  # idempotent
            if row.status in TERMINAL:
                # The real API's answer to a cancel that came too late (seen in LiteLLM's e2e runs
                # against it, BerriAI/litellm#39617), not the spec example's `completed` body.
                raise InvalidRequest(f"Cannot cancel a {row.status} response.")
            if await job_store.drop_if_queued(conn, response_id):
                # Nobody runs it yet: cancel it right here, in the transaction that dequeues it.
                body = orjson.loads(row.body)
                body["status"] = "cancelled"
                seq = await event_store.last_seq(conn, response_id) + 1
                await _log_event(conn, response_id, seq, "error", **CANCELLED)
                await response_store.set_state(conn, response_id, "cancelled", body)
                self.notifier.notify(response_id)
                return dumps(body)
            await response_store.request_cancel(conn, response_id)
        if response_id in self.cancels:
            self.cancels[response_id].set()  # the run is in this process: stop it now
        return await self._await_stop(tenant, response_id)

    async def _await_stop(self, tenant: str, response_id: str) -> str:
        """Wait for the worker (in any process) to stop and write the partial output."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CANCEL_WAIT
        while True:
            async with self.store.connect() as conn:
                row = await response_store.get(conn, response_id, tenant)
            if row is None:
                raise not_found(response_id)
            if row.status in TERMINAL:
                return row.body
            if loop.time() >= deadline:
                break
            await self.notifier.wait(response_id, 0.05)
        # The worker did not answer in time (lost process): cancel with what its log shows.
        async with self.store.begin() as conn:
            body, seq = await _salvage(conn, row)
            body["status"] = "cancelled"
            if await response_store.set_state(conn, response_id, "cancelled", body, unless=TERMINAL):
                await _log_event(conn, response_id, seq, "error", **CANCELLED)  # followers see the end
            row = await response_store.get(conn, response_id, tenant)
        self.notifier.notify(response_id)
        return row.body


async def _salvage(conn, row: response_store.Row) -> tuple[dict, int]:
    """The response body of a lost run, with the output its event log shows (open items
    `incomplete`) and usage; plus the next free sequence number."""
    body = orjson.loads(row.body)
    logged = await event_store.after(conn, row.id, -1, limit=None)
    body["output"] = fold_output(orjson.loads(data) for _, _, data in logged)
    close_open(body["output"])
    stored = StoredRequest.from_json(row.request)
    model = catalog.find(stored.params["model"]) or catalog.stand_in(stored.params["model"])  # accepted at create
    input_tokens = stored.input_tokens
    if not stored.fitted:  # a row of an older release: count its stored input
        items = [orjson.loads(d) for d in await RESPONSE_ITEMS.all_data(conn, row.id)]
        input_tokens = context.count_input_tokens(prepare.stored_context(stored, items), model.encoding,
                                                  model.snapshot, stored.params.get("tools"))
    produced = [part.get("text", "") for item in body["output"] for part in item.get("content", [])]
    body["usage"] = objects.usage(input_tokens, sum(tokens.count(text, model.encoding) for text in produced), 0)
    return body, (logged[-1][0] + 1 if logged else 0)


async def _log_event(conn, response_id: str, seq: int, type: str, **fields) -> None:
    """Log one event a run did not emit itself (its end, written by whoever ended it)."""
    event = EventNumberer(seq).make(type, **fields)
    await event_store.append(conn, response_id, [(seq, type, dumps(event))])
