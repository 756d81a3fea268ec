"""Postgres LISTEN on a dedicated connection: other replicas' changes wake this process at once
(new events of a response, changed fixture rules). NOTIFYs are sent inside the writing
transaction, so they arrive exactly when the change is visible.

The connection is watched: once it is lost (Postgres restarted, the backend terminated, the
network cut), which the driver sees at once or a ping every PING seconds finds, it is opened
again with a backoff (0.1 s doubling to 5 s). Notifications of the gap are lost, so `on_gap`
runs when the connection is lost and again when it is back: caches they guard are dropped and
followers re-read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store.handle import CONNECT_TIMEOUT, Store
from responses_mock.store.health import Outage

log = logging.getLogger("responses_mock.listen")

EVENTS = "responses_mock_events"  # payload: a response id whose log or state changed
FIXTURES = "responses_mock_fixtures"  # fixture rules changed
PING = 5.0  # seconds between checks that a quiet connection is still there
BACKOFF_MAX = 5.0


async def notify(conn: AsyncConnection, channel: str, payload: str = "") -> None:
    """Queue a NOTIFY in the caller's transaction (Postgres only; a no-op on SQLite)."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql(f"SELECT pg_notify('{channel}', $1)", (payload,))


class PgListener:
    """The store's LISTEN connection: the one its budget keeps (`Budget.listen`)."""

    def __init__(self, store: Store, on_gap: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.on_gap = on_gap
        self._conn = None
        self._lost = asyncio.Event()
        self._handlers: dict[str, Callable[[str], None]] = {}
        self._task: asyncio.Task | None = None
        self._outage = Outage(log, "the LISTEN connection")
        self.connects = 0  # connections made: the first, and one each reconnection (/metrics)

    @property
    def active(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def start(self, handlers: dict[str, Callable[[str], None]]) -> None:
        """Connect (a failure fails the start, with its reason), then keep the connection."""
        if self.store.sqlite:
            return
        self._handlers = handlers
        await self._connect()
        self._task = asyncio.create_task(self._keep())

    async def _connect(self) -> None:
        import asyncpg  # the Postgres driver, needed only here and in store/direct.py

        conn = await asyncpg.connect(self.store.dsn, timeout=CONNECT_TIMEOUT)
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            for channel, handler in self._handlers.items():
                await conn.add_listener(channel, lambda _c, _pid, _ch, payload, h=handler: h(payload))
        except BaseException:
            conn.terminate()
            raise
        self._conn, self._lost = conn, lost
        self.connects += 1

    async def _alive(self) -> bool:
        """Wait until the connection is lost (False), or for one ping's interval (True if it answers)."""
        try:
            await asyncio.wait_for(self._lost.wait(), PING)
            return False
        except TimeoutError:
            pass
        try:
            await self._conn.fetchval("SELECT 1", timeout=PING)
            return True
        except Exception:
            return False

    async def _keep(self) -> None:
        while True:
            while await self._alive():
                pass
            self._outage.failed(ConnectionError("the LISTEN connection was lost"))
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.terminate()
            self.on_gap()
            delay = 0.1
            while True:
                try:
                    await self._connect()
                    break
                except Exception as exc:
                    self._outage.failed(exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
            self._outage.ok()
            self.on_gap()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await asyncio.wait_for(conn.close(), 1.0)
            except Exception:  # lost already, or slow to say goodbye
                conn.terminate()
