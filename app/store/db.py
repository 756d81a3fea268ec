"""The async engine for SQLite (a file, WAL) or Postgres (asyncpg), and Alembic on start."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import AsyncIterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from responses_mock.store import sqlite_inline, wal
from responses_mock.store.direct import Direct, PostgresDirect, SQLiteDirect
from responses_mock.store.health import StoreHealth

# Shipped inside the package (pyproject maps the top-level migrations/ folder to it).
MIGRATIONS = Path(resources.files("responses_mock.migrations"))
# Any constant will do: it serialises concurrent `migrate` runs of several replicas on Postgres.
_MIGRATION_LOCK = 72_007_001


# SQLite has one writer at a time: in-process writers queue here, never in SQLite's busy loop
# (which would block the event loop with inline calls). Postgres needs none of this.
_WRITE_LOCKS: "weakref.WeakKeyDictionary[AsyncEngine, asyncio.Lock]" = weakref.WeakKeyDictionary()
# The driver-level access for hot statements (direct.py), one per engine.
_DIRECT: "weakref.WeakKeyDictionary[AsyncEngine, Direct]" = weakref.WeakKeyDictionary()
# Postgres: how one process's connection budget is shared out, per engine.
_BUDGETS: "weakref.WeakKeyDictionary[AsyncEngine, Budget]" = weakref.WeakKeyDictionary()
# Whether writes succeed, per engine (what /ready reports): every write transaction tells it.
_HEALTH: "weakref.WeakKeyDictionary[AsyncEngine, StoreHealth]" = weakref.WeakKeyDictionary()

# Seconds a new Postgres connection may take (asyncpg waits 60 by default): a store that is away
# fails fast, so retries and shutdown stay within their bounds.
CONNECT_TIMEOUT = 5.0

MIN_CONNECTIONS = 3  # one each: the SQLAlchemy pool, the driver pool, the LISTEN connection


@dataclass(frozen=True)
class Budget:
    """Every Postgres connection one server process may open, shared out among its users: the
    LISTEN connection (1), the driver pool of the hot statements, and SQLAlchemy's pool for the rest.
    Nothing opens a connection outside these three, so `total` is a hard bound."""

    total: int
    listen: int = field(init=False)
    direct: int = field(init=False)
    pool: int = field(init=False)

    def __post_init__(self) -> None:
        if self.total < MIN_CONNECTIONS:
            raise ValueError(f"db_max_connections must be at least {MIN_CONNECTIONS} (got {self.total})")
        rest = self.total - 1
        object.__setattr__(self, "listen", 1)
        object.__setattr__(self, "direct", max(1, rest // 2))
        object.__setattr__(self, "pool", rest - self.direct)


def budget(engine: AsyncEngine) -> Budget | None:
    """The engine's connection budget (Postgres), or None (SQLite opens files, not connections)."""
    return _BUDGETS.get(engine)


def health(engine: AsyncEngine) -> StoreHealth:
    """Whether the engine's writes succeed, as the latest ones found."""
    found = _HEALTH.get(engine)
    if found is None:
        found = _HEALTH[engine] = StoreHealth()
    return found


@asynccontextmanager
async def begin(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction: `engine.begin()`, serialised per engine on SQLite. Its outcome tells
    the engine's health (a store fault, not an error of the caller's)."""
    lock = _WRITE_LOCKS.get(engine)
    watch = health(engine)
    try:
        if lock is None:
            async with engine.begin() as conn:
                yield conn
        else:
            async with lock, engine.begin() as conn:
                yield conn
    except Exception as exc:
        watch.write_failed(exc)
        raise
    watch.wrote()


async def probe(engine: AsyncEngine) -> None:
    """A write that changes nothing but commits (a page of the log on SQLite, a WAL record on
    Postgres): whether the store takes writes now."""
    async with begin(engine) as conn:
        await conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")


def direct(engine: AsyncEngine) -> Direct:
    """The engine's driver-level access for hot statements (store/direct.py)."""
    found = _DIRECT.get(engine)
    if found is None:
        url = engine.url
        if url.get_backend_name() == "sqlite":
            found = SQLiteDirect(url.database or ":memory:", _WRITE_LOCKS[engine])
        else:
            found = PostgresDirect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                   _BUDGETS[engine].direct, CONNECT_TIMEOUT)
        found.health = health(engine)
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


def make_engine(url: str, max_connections: int = 10) -> AsyncEngine:
    """The engine for `url`; on Postgres, one process opens at most `max_connections` in all."""
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
    # statements have their own asyncpg pool (direct.py): this one serves the rest. No overflow:
    # the budget is a bound, and a request waits for a connection rather than exceed it.
    share = Budget(max_connections)
    engine = create_async_engine(url, pool_size=share.pool, max_overflow=0, pool_recycle=300, pool_timeout=30,
                                 connect_args={"timeout": CONNECT_TIMEOUT})
    _BUDGETS[engine] = share
    return engine


class StoreUnavailable(RuntimeError):
    """The store refused this process at start; the message says why and what to change."""


def _sqlstate(exc: BaseException) -> str | None:
    """The Postgres error code behind an error, through SQLAlchemy's and the driver's wrapping."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if isinstance(code, str):
            return code
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return None


async def open_store(engine: AsyncEngine, migrate_first: bool) -> None:
    """Connect (and migrate) at start, so a store that refuses us fails the start with a clear
    reason instead of failing requests later."""
    try:
        if migrate_first:
            await migrate(engine)
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        await direct(engine).all("SELECT 1")
    except Exception as exc:
        raise StoreUnavailable(describe_failure(engine, exc)) from exc


def describe_failure(engine: AsyncEngine, exc: BaseException) -> str:
    where = display_url(engine.url.render_as_string(hide_password=False))
    share = budget(engine)
    if share is not None and _sqlstate(exc) == "53300":  # too_many_connections
        return (f"Postgres at {where} refused a connection: too many connections ({exc}). This server process "
                f"opens at most {share.total} (db_max_connections); lower --db-max-connections, run fewer "
                "processes, or raise Postgres's max_connections.")
    return f"cannot open the store at {where}: {type(exc).__name__}: {exc}"


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
