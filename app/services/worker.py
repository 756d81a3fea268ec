"""The worker pool of one server process: claim → run → finish, with heartbeats, cancel
propagation across processes, and the sweeper: what a stopped process left in progress (its
background jobs and its streamed runs) is failed once its heartbeat is `stale_after` seconds old.

Store faults never stop the pool: a loop that dies is restarted (and logged); a job whose run a
store fault broke gives back its slot and heartbeat at once, and its response is failed as soon
as the store takes writes again (here, or by any replica's sweeper).

Shutdown: claiming stops at SIGTERM (services/drain.py); running jobs are failed with SHUTDOWN
when the grace is over, and what is left is cut and failed. Jobs still queued stay queued and run
after the next start, on any replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from responses_mock.config import Settings
from responses_mock.services.background import BackgroundService
from responses_mock.services.endings import ABANDONED, SERVER_ERROR, SHUTDOWN
from responses_mock.store import jobs as job_store
from responses_mock.store import responses as response_store
from responses_mock.store.handle import Store
from responses_mock.store.health import REFUSALS, Outage, is_fault
from responses_mock.store.jobs import Job

__all__ = ["ABANDONED", "SHUTDOWN", "WorkerPool", "fair_share"]

log = logging.getLogger("responses_mock.worker")

CANCEL_CHECK = 0.2  # seconds between checks for cancels requested through another process
RESTART_DELAY = 1.0  # seconds before a loop that died is started again
LOST_RETRY_MAX = 2.0  # seconds between tries to fail lost runs while the store is away, at most


def fair_share(slots: int) -> int:
    """The most worker slots of one process a single tenant may hold: half (at least one), so a
    tenant that queues many slow jobs never starves the others."""
    return max(1, slots // 2)


class WorkerPool:
    def __init__(self, store: Store, service: BackgroundService, settings: Settings,
                 owned_streams: Callable[[], list[str]] = list) -> None:
        self.store = store
        self.service = service
        self.settings = settings
        self.owned_streams = owned_streams  # streamed runs of this process: heartbeated with the jobs
        self.running: dict[int, Job] = {}
        self._tasks: list[asyncio.Task] = []
        self._job_tasks: dict[int, asyncio.Task] = {}
        self._wake = asyncio.Event()
        self._claiming = asyncio.Lock()
        self._stopping = False
        self._draining = False  # SIGTERM: no new claims
        self._lost: dict[str, str] = {}  # response id → why: runs to fail once the store takes writes
        self._refused: dict[str, int] = {}  # response id → tries the store refused (not a fault)
        self._lost_retry_at = 0.0
        self._lost_delay = 0.0
        self._claims = Outage(log, "claiming background jobs")
        self._runs = Outage(log, "running a background job")
        self._ending = Outage(log, "failing lost runs")
        self._upkeep = Outage(log, "worker upkeep (cancels, heartbeats, sweeping)")

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        try:
            await self.recover(startup=True)
        except Exception as exc:  # the sweeps that follow will do it
            self._upkeep.failed(exc)
        loops = [self._supervised(f"worker loop {i}", self._loop) for i in range(self.settings.worker_concurrency)]
        self._tasks = [asyncio.create_task(c) for c in loops]
        self._tasks.append(asyncio.create_task(self._supervised("worker upkeep", self._maintain)))

    def drain(self) -> None:
        """Shutdown began: claim nothing more (what runs goes on until abort())."""
        self._draining = True
        self._wake.set()

    def abort(self, message: str) -> None:
        """Fail every job running here with `message` at its next token (the grace is over)."""
        self.service.abort_all(message)

    async def stop(self, timeout: float) -> None:
        """Fail the jobs still running (SHUTDOWN) and stop, within `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._stopping = self._draining = True
        self.service.abort_all(SHUTDOWN)
        if self._job_tasks:  # aborted runs store their own end (the store permitting)
            await asyncio.wait(list(self._job_tasks.values()), timeout=timeout * 0.6)
        self.service.stopping.set()
        tasks = self._tasks + list(self._job_tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=0.1)
        for job in list(self.running.values()):
            if loop.time() >= deadline:
                break
            try:
                await asyncio.wait_for(self.service.fail_orphan(job.response_id, SHUTDOWN), deadline - loop.time())
            except Exception as exc:  # the store is away: the next start's sweeper fails it
                self._ending.failed(exc)
        self.running.clear()

    async def _supervised(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        """Run a loop of the pool; one that dies of an error is logged and started again."""
        while not self._stopping:
            try:
                await body()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the %s stopped; restarting it in %.0f s", name, RESTART_DELAY)
                await asyncio.sleep(RESTART_DELAY)

    def _full(self) -> list[str]:
        """Tenants that already hold their fair share of this process's slots."""
        held = Counter(job.tenant for job in self.running.values())
        share = fair_share(self.settings.worker_concurrency)
        return [tenant for tenant, n in held.items() if n >= share]

    async def _claim(self) -> Job | None:
        try:
            async with self._claiming:  # one claim at a time here, so the shares hold
                full = self._full()
                job = None
                if await job_store.any_due(self.store.direct, time.time(), full):
                    async with self.store.begin() as conn:
                        job = await job_store.claim(conn, self.service.worker_id, time.time(), full)
                if job is not None:
                    self.running[job.id] = job
        except Exception as exc:  # the store is away: back off, never die
            self._claims.failed(exc)
            return None
        self._claims.ok()
        return job

    async def _loop(self) -> None:
        while not (self._stopping or self._draining):
            job = await self._claim()
            if job is None:
                idle = self.settings.worker_poll_interval
                if self._claims.down:
                    idle = max(idle, 1.0)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), idle)
                self._wake.clear()
                continue
            task = asyncio.create_task(self.service.run_job(job))
            self._job_tasks[job.id] = task
            try:
                await asyncio.shield(task)  # stop() cancels the job itself, then fails its response
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a store fault broke the run: its slot and heartbeat go now
                self._runs.failed(exc)
                self._lose(job.response_id, SERVER_ERROR)
            else:
                self._runs.ok()
            self.running.pop(job.id, None)
            self._job_tasks.pop(job.id, None)

    def _lose(self, response_id: str, reason: str) -> None:
        """A run that cannot end by itself: failed with `reason` as soon as the store allows."""
        self._lost.setdefault(response_id, reason)
        self._lost_retry_at = 0.0

    async def _fail_lost(self) -> None:
        for response_id, reason in list(self._lost.items()):
            try:
                await self.service.fail_orphan(response_id, reason)
            except Exception as exc:
                self._ending.failed(exc)
                if not is_fault(exc):  # refused, not away: its job row's sweep tries again later
                    self._refused[response_id] = self._refused.get(response_id, 0) + 1
                    if self._refused[response_id] >= REFUSALS:
                        del self._lost[response_id], self._refused[response_id]
                    continue
                self._lost_delay = min(max(self._lost_delay * 2, 0.2), LOST_RETRY_MAX)
                self._lost_retry_at = time.monotonic() + self._lost_delay
                return
            del self._lost[response_id]
            self._refused.pop(response_id, None)
        if not self._lost:
            self._ending.ok()
            self._lost_delay = 0.0

    async def _maintain(self) -> None:
        last_beat = last_sweep = time.monotonic()
        while not self._stopping:
            await asyncio.sleep(CANCEL_CHECK)
            touched = False  # only work that reached the store says it works again
            try:
                ids = [job.response_id for job in self.running.values()]
                if ids:
                    touched = True
                    async with self.store.connect() as conn:
                        for response_id in await response_store.cancel_requested(conn, ids):
                            self.service.cancels.setdefault(response_id, asyncio.Event()).set()
                now = time.monotonic()
                if now - last_beat >= self.settings.heartbeat_interval:
                    last_beat = now
                    touched = await self._heartbeat() or touched
                if now - last_sweep >= self.settings.stale_after / 3:
                    last_sweep = now
                    touched = True
                    await self.recover()
            except Exception as exc:
                self._upkeep.failed(exc)
            else:
                if touched:
                    self._upkeep.ok()
            if self._lost and time.monotonic() >= self._lost_retry_at:
                await self._fail_lost()

    async def _heartbeat(self) -> bool:
        """The heartbeats of what runs here; whether there was any."""
        jobs, streams = list(self.running), self.owned_streams()
        if not (jobs or streams):
            return False
        async with self.store.begin() as conn:
            await job_store.heartbeat(conn, jobs, time.time())
            await response_store.heartbeat(conn, streams, time.time())
        return True

    async def recover(self, startup: bool = False) -> None:
        """Fail what a stopped process left in progress: its running jobs and its streamed runs.
        On SQLite (one process) everything in progress at start-up is such a run; on Postgres a
        run is abandoned when its owner's heartbeat is older than stale_after."""
        now = time.time()
        older_than = float("inf") if startup and self.store.sqlite else now - self.settings.stale_after
        worker = self.service.worker_id
        async with self.store.begin() as conn:
            jobs = await job_store.take_stalled(conn, older_than, worker, now, exclude=list(self.running))
            streams = await response_store.take_orphans(conn, older_than, worker, now,
                                                        exclude=self.owned_streams())
        for response_id in [job.response_id for job in jobs] + streams:
            self._lose(response_id, ABANDONED)
        if self._lost:
            await self._fail_lost()
