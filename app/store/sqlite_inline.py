"""SQLite without a thread hop: a driver connection with aiosqlite's interface that runs each call
inline on the event loop.

aiosqlite gives every connection a thread and every call a round trip to it; for queries that take
microseconds the hops cost more than the work (measured: ~1 ms of throughput per query). Inline
calls are safe here because the server never waits on SQLite's own locks: reads never block in
WAL mode, and write transactions are serialised in-process by `Store.begin()` before they start.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


class InlineCursor:
    __slots__ = ("_c",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._c = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc) -> None:
        self._c.close()

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        self._c.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, seq: Any) -> InlineCursor:
        self._c.executemany(sql, seq)
        return self

    async def fetchall(self) -> list:
        return self._c.fetchall()

    async def fetchone(self) -> Any:
        return self._c.fetchone()

    async def fetchmany(self, size: int | None = None) -> list:
        return self._c.fetchmany(size) if size is not None else self._c.fetchmany()

    async def close(self) -> None:
        self._c.close()

    @property
    def description(self):
        return self._c.description

    @property
    def rowcount(self) -> int:
        return self._c.rowcount

    @property
    def lastrowid(self):
        return self._c.lastrowid

    @property
    def arraysize(self) -> int:
        return self._c.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._c.arraysize = value


class InlineConnection:
    """What SQLAlchemy's aiosqlite adapter uses of an aiosqlite.Connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection = conn  # the adapter checks it to know the connection is open

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()
        self._connection = None

    def stop(self) -> None:
        self._conn.close()
        self._connection = None

    async def create_function(self, *args, **kw) -> None:
        self._conn.create_function(*args, **kw)

    @property
    def isolation_level(self):
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value) -> None:
        self._conn.isolation_level = value


def creator(path: str, pragmas: Sequence[str]):
    """SQLAlchemy's `async_creator`: a connection to `path`, opened with the store's PRAGMAs."""
    async def connect() -> InlineConnection:
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        for pragma in pragmas:
            conn.execute(pragma)
        return InlineConnection(conn)

    return connect
