"""Postgres LISTEN on a dedicated connection: other replicas' changes wake this process at once
(new events of a response, changed fixture rules). NOTIFYs are sent inside the writing
transaction, so they arrive exactly when the change is visible."""

from __future__ import annotations

from typing import Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

EVENTS = "responses_mock_events"  # payload: a response id whose log or state changed
FIXTURES = "responses_mock_fixtures"  # fixture rules changed


async def notify(conn: AsyncConnection, channel: str, payload: str = "") -> None:
    """Queue a NOTIFY in the caller's transaction (Postgres only; a no-op on SQLite)."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql(f"SELECT pg_notify('{channel}', $1)", (payload,))


class PgListener:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._conn = None

    @property
    def active(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def start(self, handlers: dict[str, Callable[[str], None]]) -> None:
        if self.engine.dialect.name != "postgresql":
            return
        import asyncpg

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = await asyncpg.connect(dsn)
        for channel, handler in handlers.items():
            await self._conn.add_listener(channel, lambda _c, _pid, _ch, payload, h=handler: h(payload))

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
