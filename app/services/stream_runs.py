"""The streamed runs of this process. Each is driven by a task detached from its socket, is owned
(its row names this process and carries a heartbeat, so a sweeper fails it if the process dies:
services/worker.py), and always ends: finished, or failed in the real API's words when its end
cannot be stored within STORE_WAIT seconds, or at shutdown. Its watcher then gets an `error`
event and `response.failed`, and the row is failed as soon as the store takes writes again.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from responses_mock.services.endings import SERVER_ERROR, SHUTDOWN, STORE_WAIT, failed, failure_events
from responses_mock.services.feed import Live
from responses_mock.services.lifecycle import Lifecycle
from responses_mock.services.recorder import Recorder
from responses_mock.services.rows import append_turn
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.health import Outage, persist
from responses_mock.store.notify import Notifier
from responses_mock.wire.objects import TERMINAL
from responses_mock.wire.stored import LiveEvent

log = logging.getLogger("responses_mock.streams")



@dataclass
class _Run:
    lifecycle: Lifecycle
    recorder: Recorder
    tenant: str
    conversation_id: str | None


class StreamRuns:
    def __init__(self, store: Store, notifier: Notifier, stopping: asyncio.Event | None = None) -> None:
        self.store = store
        self.notifier = notifier
        self.stopping = stopping or asyncio.Event()  # shutdown: no more waiting for the store
        self._runs: dict[str, _Run] = {}  # in progress here, by response id
        self._settling: dict[str, asyncio.Task] = {}  # failed, waiting for the store to say so
        self._tasks: set[asyncio.Task] = set()  # kept alive: the loop holds tasks only weakly
        self._ends = Outage(log, "storing a streamed run's end")
        self._events = Outage(log, "writing stream events")

    def __contains__(self, response_id: str) -> bool:
        return response_id in self._runs

    @property
    def busy(self) -> bool:
        """Runs in progress here (the shutdown grace waits for them)."""
        return bool(self._runs)

    def owned(self) -> list[str]:
        """The stored runs this process answers for (their rows get its heartbeat)."""
        stored = [rid for rid, run in self._runs.items() if run.recorder.store is not None]
        return stored + list(self._settling)

    def recorder(self, response: dict) -> Recorder:
        """The sink of a streamed run: its live events, and its log if it is stored. The driver
        builds the run's lifecycle with it, then hands both to start()."""
        return Recorder(self.store if response["store"] else None, response["id"], self.notifier,
                        live=Live(), outage=self._events)

    def start(self, lifecycle: Lifecycle, recorder: Recorder, tenant: str,
              conversation_id: str | None) -> AsyncIterator[LiveEvent]:
        """Drive the run detached from the socket (a client that goes away cannot leave it
        half-written); returns its live events (`recorder`, its sink, feeds them)."""
        response = lifecycle.response
        if self.stopping.is_set():  # started after the grace: it ends at once
            lifecycle.abort(SHUTDOWN)
        self._runs[response["id"]] = _Run(lifecycle, recorder, tenant, conversation_id)
        self._spawn(self._drive(response["id"]))
        return recorder.feed()

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def abort_all(self, message: str) -> None:
        """Stop every run at its next token and fail it with `message` (shutdown)."""
        for run in self._runs.values():
            run.lifecycle.abort(message)

    async def _drive(self, rid: str) -> None:
        run = self._runs[rid]
        recorder = run.recorder
        try:
            final = await run.lifecycle.run()
            if not (final["store"] or run.conversation_id):
                return
            lost = False

            async def end() -> None:
                nonlocal lost
                if final["store"] and not run.conversation_id:  # the commonest end: group-committed
                    status = await recorder.finish(final)
                    lost = status is not None and status != final["status"]
                    return
                async with self.store.begin() as conn:
                    n = 0
                    if final["store"]:
                        status = await response_store.status_of(conn, rid)
                        if status in TERMINAL:  # ended already: by a try whose reply was lost, or
                            lost = status != final["status"]  # by a sweeper (this process seemed gone)
                            return
                        n = await recorder.write(conn)
                        await response_store.set_state(conn, rid, final["status"], final, unless=TERMINAL)
                    await append_turn(conn, run.tenant, run.conversation_id, output=final["output"])
                recorder.written(n)

            if await persist(end, self._ends, wait=STORE_WAIT, stop=self.stopping):
                if lost:
                    self._fail_live(run, SERVER_ERROR)
                self.notifier.notify(rid)
                return
            message = SHUTDOWN if self.stopping.is_set() else SERVER_ERROR
            body = self._fail_live(run, message)
            if final["store"]:
                self._settling[rid] = self._spawn(self._settle(rid, recorder, body))
        except asyncio.CancelledError:  # close() cut a run that did not stop at its abort
            self._fail_live(run, SHUTDOWN)
            raise
        except Exception:  # a bug: the watcher still gets an end
            log.exception("stream run of %s failed", rid)
            self._fail_live(run, SERVER_ERROR)
        finally:
            self._runs.pop(rid, None)
            recorder.close_live()

    @staticmethod
    def _fail_live(run: _Run, message: str) -> dict:
        """What the run's watcher gets instead of an end that could not be stored; the failed body."""
        response = run.lifecycle.response
        if response["status"] == "failed":  # it failed by itself (an abort): that end stands
            return response
        body = failed(copy.deepcopy(response), message)
        run.recorder.replace_ending(failure_events(body), run.lifecycle.events.next)
        return body

    async def _write_failure(self, rid: str, recorder: Recorder, body: dict) -> None:
        async with self.store.begin() as conn:
            if await response_store.status_of(conn, rid) in TERMINAL:
                return
            n = await recorder.write(conn)
            await response_store.set_state(conn, rid, "failed", body, unless=TERMINAL)
        recorder.written(n)
        self.notifier.notify(rid)

    async def _settle(self, rid: str, recorder: Recorder, body: dict) -> None:
        """Fail the row once the store takes writes again (until shutdown: then the sweeper of
        the next start, or of another replica, fails it from its event log)."""
        try:
            await persist(lambda: self._write_failure(rid, recorder, body), self._ends, wait=float("inf"),
                          stop=self.stopping)
        finally:
            self._settling.pop(rid, None)

    async def close(self, timeout: float) -> None:
        """Shutdown: fail every run still here (SHUTDOWN) and wait at most `timeout` seconds for
        their ends to be stored; what is left is cut, and failed with one last write."""
        self.abort_all(SHUTDOWN)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=max(0.0, timeout * 0.6))
        self.stopping.set()
        left = dict(self._runs)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=0.1)
        for rid, run in left.items():
            if run.recorder.store is None or loop.time() >= deadline:
                continue
            body = failed(copy.deepcopy(run.lifecycle.response), SHUTDOWN)
            try:
                await asyncio.wait_for(self._write_failure(rid, run.recorder, body), deadline - loop.time())
            except Exception as exc:  # the store is away: the next start's sweeper fails it
                self._ends.failed(exc)
