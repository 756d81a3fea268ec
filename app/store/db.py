"""The async engine for SQLite (a file, WAL) or Postgres (asyncpg), and Alembic on start."""

from __future__ import annotations

import asyncio
import weakref
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.store import sqlite_inline, wal
from app.store.direct import Direct, PostgresDirect, SQLiteDirect

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
# Any constant will do: it serialises concurrent `migrate` runs of several replicas on Postgres.
_MIGRATION_LOCK = 72_007_001


# SQLite has one writer at a time: in-process writers queue here, never in SQLite's busy loop
# (which would block the event loop with inline calls). Postgres needs none of this.
_WRITE_LOCKS: "weakref.WeakKeyDictionary[AsyncEngine, asyncio.Lock]" = weakref.WeakKeyDictionary()
# The driver-level access for hot statements (direct.py), one per engine.
_DIRECT: "weakref.WeakKeyDictionary[AsyncEngine, Direct]" = weakref.WeakKeyDictionary()


@asynccontextmanager
async def begin(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction: `engine.begin()`, serialised per engine on SQLite."""
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        async with engine.begin() as conn:
            yield conn
        return
    async with lock, engine.begin() as conn:
        yield conn


def direct(engine: AsyncEngine) -> Direct:
    """The engine's driver-level access for hot statements (store/direct.py)."""
    found = _DIRECT.get(engine)
    if found is None:
        url = engine.url
        if url.get_backend_name() == "sqlite":
            found = SQLiteDirect(url.database or ":memory:", _WRITE_LOCKS[engine])
        else:
            found = PostgresDirect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        _DIRECT[engine] = found
    return found


async def dispose(engine: AsyncEngine) -> None:
    """Close the engine's pool and its direct connections."""
    found = _DIRECT.pop(engine, None)
    if found is not None:
        await found.close()
    await engine.dispose()


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def display_url(url: str) -> str:
    """The URL for logs: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            # Every connection would open its own empty database: a file it is.
            raise ValueError("An in-memory SQLite database is not supported; give a file path.")
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Inline calls (sqlite_inline.py); a pool as large as the concurrency it serves.
        engine = create_async_engine(url, async_creator=sqlite_inline.creator(parsed.database),
                                     pool_size=16, max_overflow=16)
        _WRITE_LOCKS[engine] = asyncio.Lock()

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # WAL lets readers run beside the one writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA cache_size=-1024")  # 1 MiB per connection: many connections, small rows
            for pragma in wal.PRAGMAS:  # checkpoints run in their own thread (wal.py)
                cur.execute(pragma)
            cur.close()

        return engine
    # No pre-ping (a round trip per checkout); stale connections are recycled instead. The hot
    # statements have their own small asyncpg pool (direct.py): this one serves the rest, and a
    # few replicas stay well inside Postgres's default 100 connections.
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_recycle=300)


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
    command.upgrade(_alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Apply every pending migration, in one transaction."""
    if not MIGRATIONS.is_dir():
        raise RuntimeError(f"migrations folder not found at {MIGRATIONS}")
    async with begin(engine) as conn:
        await conn.run_sync(_upgrade)
