"""Graceful shutdown. Once uvicorn is told to exit (SIGTERM, seen within POLL seconds), this
process claims no more background jobs, and what is live gets `shutdown_grace` seconds less
MARGIN to end by itself; then (`due`) every run still in progress here is failed with SHUTDOWN
(its watchers get `error` and `response.failed`) and every stream still open ends with an
`error` event. uvicorn waits at most `shutdown_grace` for connections and the lifespan's closing
steps take under a second (main.py): the process is gone within `shutdown_grace` + 1 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

MARGIN = 0.8  # seconds of the grace kept to store the failed ends and send their events
POLL = 0.1  # seconds between looks at whether uvicorn is exiting (its own loop ticks as often)


def uvicorn_exiting() -> bool:
    """Whether the uvicorn server of this process was told to exit: its signal handler (installed
    in the main thread, for one process and for each of `--workers`) is a method of the server."""
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return bool(getattr(server, "should_exit", False))


class Drain:
    def __init__(self, grace: float) -> None:
        self.grace = max(0.0, grace)
        self.begun = asyncio.Event()  # exit requested: take no new work
        self.due = asyncio.Event()  # the grace is over: end what is live
        self.streams = 0  # SSE streams open here (routes/sse.py counts them)
        self._on_begin: list[Callable[[], None]] = []
        self._on_due: list[Callable[[], None]] = []
        self._busy: list[Callable[[], bool]] = []
        self._tasks: list[asyncio.Task] = []

    def when_begun(self, hook: Callable[[], None]) -> None:
        self._on_begin.append(hook)

    def when_due(self, hook: Callable[[], None]) -> None:
        self._on_due.append(hook)

    def busy_while(self, check: Callable[[], bool]) -> None:
        """Something live the grace waits for (runs in progress here)."""
        self._busy.append(check)

    def _busy_now(self) -> bool:
        return self.streams > 0 or any(check() for check in self._busy)

    def watch(self, exiting: Callable[[], bool]) -> None:
        """Begin once `exiting()` is true (polled)."""
        self._tasks.append(asyncio.create_task(self._watch(exiting)))

    async def _watch(self, exiting: Callable[[], bool]) -> None:
        while not exiting():
            await asyncio.sleep(POLL)
        self.begin()

    def begin(self) -> None:
        if self.begun.is_set():
            return
        self.begun.set()
        for hook in self._on_begin:
            hook()
        self._tasks.append(asyncio.create_task(self._count_down()))

    async def _count_down(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, self.grace - MARGIN)
        while loop.time() < deadline and self._busy_now():
            await asyncio.sleep(0.05)
        self.end_now()

    def end_now(self) -> None:
        """The grace is over (or there is none left): fail what runs, end what streams."""
        if self.due.is_set():
            return
        if not self.begun.is_set():
            self.begun.set()
            for hook in self._on_begin:
                hook()
        self.due.set()
        for hook in self._on_due:
            hook()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
