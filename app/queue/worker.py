"""The worker pool of one server process: claim → run → finish, with heartbeats, cancel
propagation across processes, and recovery of jobs a crashed process left behind.

Shutdown, in order: stop claiming; cancel the running tasks; fail their responses with a clear
error (a restarted server must not find them stuck). Jobs still queued stay queued and run after
the next start, on any replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncEngine

from responses_mock.store import db
from responses_mock.config import Settings
from responses_mock.services.background import BackgroundService
from responses_mock.store import jobs as job_store
from responses_mock.store import responses as response_store
from responses_mock.store.db import is_sqlite
from responses_mock.store.jobs import Job

log = logging.getLogger("responses_mock.worker")

SHUTDOWN = "The server shut down while this response was in progress."
ABANDONED = "The server process running this response stopped; the response was not completed."
CANCEL_CHECK = 0.2  # seconds between checks for cancels requested through another process


def fair_share(slots: int) -> int:
    """The most worker slots of one process a single tenant may hold: half (at least one), so a
    tenant that queues many slow jobs never starves the others."""
    return max(1, slots // 2)


class WorkerPool:
    def __init__(self, engine: AsyncEngine, service: BackgroundService, settings: Settings) -> None:
        self.engine = engine
        self.service = service
        self.settings = settings
        self.running: dict[int, Job] = {}
        self._tasks: list[asyncio.Task] = []
        self._job_tasks: dict[int, asyncio.Task] = {}
        self._wake = asyncio.Event()
        self._claiming = asyncio.Lock()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        await self.recover(startup=True)
        self._tasks = [asyncio.create_task(self._loop()) for _ in range(self.settings.worker_concurrency)]
        self._tasks.append(asyncio.create_task(self._maintain()))

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in list(self._job_tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._job_tasks.values(), return_exceptions=True)
        for job in list(self.running.values()):
            await self.service.fail_orphan(job.response_id, SHUTDOWN)
        self.running.clear()

    def _full(self) -> list[str]:
        """Tenants that already hold their fair share of this process's slots."""
        held = Counter(job.tenant for job in self.running.values())
        share = fair_share(self.settings.worker_concurrency)
        return [tenant for tenant, n in held.items() if n >= share]

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                job = None
                async with self._claiming:  # one claim at a time here, so the shares hold
                    full = self._full()
                    if await job_store.any_due(db.direct(self.engine), time.time(), full):
                        async with db.begin(self.engine) as conn:
                            job = await job_store.claim(conn, self.service.worker_id, time.time(), full)
                    if job is not None:
                        self.running[job.id] = job
            except Exception:  # the store is briefly unavailable: back off, do not die
                log.exception("claiming a job failed")
                job = None
            if job is None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.worker_poll_interval)
                self._wake.clear()
                continue
            task = asyncio.create_task(self.service.run_job(job))
            self._job_tasks[job.id] = task
            try:
                await asyncio.shield(task)  # stop() cancels the job itself, then fails its response
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the store failed mid-run: the response must not stay stuck
                log.exception("job %s failed", job.id)
                await self.service.fail_orphan(job.response_id, f"The response could not be completed: {exc}")
            self.running.pop(job.id, None)
            self._job_tasks.pop(job.id, None)

    async def _maintain(self) -> None:
        last_beat = last_recovery = time.monotonic()
        while not self._stopping:
            await asyncio.sleep(CANCEL_CHECK)
            try:
                ids = [job.response_id for job in self.running.values()]
                async with self.engine.connect() as conn:
                    for response_id in await response_store.cancel_requested(conn, ids):
                        self.service.cancels.setdefault(response_id, asyncio.Event()).set()
                now = time.monotonic()
                if now - last_beat >= self.settings.heartbeat_interval:
                    async with db.begin(self.engine) as conn:
                        await job_store.heartbeat(conn, list(self.running), time.time())
                    last_beat = now
                if now - last_recovery >= self.settings.stale_after / 3:
                    await self.recover()
                    last_recovery = now
            except Exception:
                log.exception("worker maintenance failed")

    async def recover(self, startup: bool = False) -> None:
        """Fail jobs whose process died. On SQLite (one process) every running job at start-up is
        such a job; on Postgres a job is abandoned when its heartbeat is older than stale_after."""
        if startup and is_sqlite(self.engine):
            older_than = float("inf")
        else:
            older_than = time.time() - self.settings.stale_after
        async with db.begin(self.engine) as conn:
            stalled = await job_store.take_stalled(conn, older_than)
        for job in stalled:
            await self.service.fail_orphan(job.response_id, ABANDONED)
