"""The store handle: one `Store` per database, built once (main.py) and passed to whoever reads
or writes. It owns the engine, the driver pool of the hot statements, SQLite's write lock, the
connection budget, the health of its writes, the SQLite PRAGMAs and the migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from responses_mock.store import sqlite_inline, wal
from responses_mock.store.direct import Direct, PostgresDirect, SQLiteDirect
from responses_mock.store.health import StoreHealth

# Shipped inside the package (pyproject maps the top-level migrations/ folder to it).
MIGRATIONS = Path(resources.files("responses_mock.migrations"))
# Any constant will do: it serialises concurrent `migrate` runs of several replicas on Postgres.
_MIGRATION_LOCK = 72_007_001

# Seconds a new Postgres connection may take (asyncpg waits 60 by default): a store that is away
# fails fast, so retries and shutdown stay within their bounds.
CONNECT_TIMEOUT = 5.0

def _alive(dbapi_connection, _record, _proxy) -> None:
    """A pooled Postgres connection the server has ended (a restart, a failover,
    pg_terminate_backend) is known closed to asyncpg without a round trip: the pool drops it and
    hands out another (SQLAlchemy's DisconnectionError), instead of a request failing on it."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this connection")


MIN_CONNECTIONS = 3  # one each: the SQLAlchemy pool, the driver pool, the LISTEN connection

# Every SQLite connection, SQLAlchemy's and the driver's alike, opens with these.
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=30000",  # first: switching to WAL may meet a writer
    "PRAGMA journal_mode=WAL",  # readers run beside the one writer
    "PRAGMA synchronous=NORMAL",
    "PRAGMA cache_size=-1024",  # 1 MiB per connection: many connections, small rows
    *wal.PRAGMAS,  # checkpoints run in their own thread (wal.py)
)


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


class StoreUnavailable(RuntimeError):
    """The store refused this process at start; the message says why and what to change."""


class Store:
    """One database: SQLite (a file, WAL) or Postgres (asyncpg).

    Which path a statement takes: one that every create, retrieve, stream or chained turn runs
    (the request path's hot statements) goes through `store.direct` — driver SQL in `$n` style,
    reads outside any transaction, writes group-committed (store/direct.py); everything else goes
    through SQLAlchemy Core, `store.begin()` for a write transaction and `store.connect()` for
    reads. Direct today: a response's row and items, a chain's or a conversation's context, event
    log reads, the journal's batches, the job queue's "anything due?".

    Writes of both paths report to `store.health` (what /ready says). On SQLite both paths' writers
    queue on one lock in this process, never in SQLite's busy loop (which would block the event
    loop with its inline calls); on Postgres `budget` bounds every connection the process opens.
    """

    def __init__(self, url: str, max_connections: int = 10) -> None:
        parsed = make_url(url)
        self.url = url
        self.sqlite = parsed.get_backend_name() == "sqlite"
        self.health = StoreHealth()
        self.budget: Budget | None = None
        self._write_lock: asyncio.Lock | None = None
        self._direct: Direct | None = None
        if self.sqlite:
            if not parsed.database or parsed.database == ":memory:":
                # Every connection would open its own empty database: a file it is.
                raise ValueError("An in-memory SQLite database is not supported; give a file path.")
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self._path = parsed.database
            # Inline calls (sqlite_inline.py); a pool as large as the concurrency it serves.
            self.engine = create_async_engine(url, async_creator=sqlite_inline.creator(self._path, SQLITE_PRAGMAS),
                                              pool_size=16, max_overflow=16)
            self._write_lock = asyncio.Lock()
        else:
            # No pre-ping (a round trip per checkout); stale connections are recycled instead. The
            # hot statements have their own asyncpg pool (direct.py): this one serves the rest. No
            # overflow: the budget is a bound, and a request waits for a connection rather than exceed it.
            self.budget = Budget(max_connections)
            self.engine = create_async_engine(url, pool_size=self.budget.pool, max_overflow=0, pool_recycle=300,
                                              pool_timeout=30, connect_args={"timeout": CONNECT_TIMEOUT})
            event.listen(self.engine.sync_engine, "checkout", _alive)

    @property
    def dsn(self) -> str:
        """The Postgres URL as asyncpg takes it (the driver pool and the LISTEN connection)."""
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    @property
    def direct(self) -> Direct:
        """The driver-level access of the hot statements (store/direct.py), opened on first use."""
        if self._direct is None:
            if self._write_lock is not None:  # the lock begin() takes: one writer, whichever path
                self._direct = SQLiteDirect(self._path, self._write_lock, self.health, SQLITE_PRAGMAS)
            else:
                self._direct = PostgresDirect(self.dsn, self.budget.direct, self.health, CONNECT_TIMEOUT)
        return self._direct

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction (SQLAlchemy), serialised on SQLite. Its outcome tells `health` (a
        store fault, not an error of the caller's)."""
        try:
            if self._write_lock is None:
                async with self.engine.begin() as conn:
                    yield conn
            else:
                async with self._write_lock, self.engine.begin() as conn:
                    yield conn
        except Exception as exc:
            self.health.write_failed(exc)
            raise
        self.health.wrote()

    def connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads (SQLAlchemy)."""
        return self.engine.connect()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def probe(self) -> None:
        """A write that changes nothing but commits (a page of the log on SQLite, a WAL record on
        Postgres): whether the store takes writes now."""
        async with self.begin() as conn:
            await conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")

    async def migrate(self) -> None:
        """Apply every pending migration, in one transaction."""
        if not MIGRATIONS.is_dir():
            raise RuntimeError(f"migrations folder not found at {MIGRATIONS}")
        async with self.begin() as conn:
            await conn.run_sync(_upgrade)

    async def open(self, migrate_first: bool) -> None:
        """Connect (and migrate) at start, so a store that refuses us fails the start with a clear
        reason instead of failing requests later."""
        try:
            if migrate_first:
                await self.migrate()
            await self.ping()
            await self.direct.all("SELECT 1")  # SQLite: its WAL checkpointer runs from now on
        except Exception as exc:
            raise StoreUnavailable(self.describe_failure(exc)) from exc

    def describe_failure(self, exc: BaseException) -> str:
        if self.budget is not None and _sqlstate(exc) == "53300":  # too_many_connections
            return (f"Postgres at {self.display_url} refused a connection: too many connections ({exc}). This server "
                    f"process opens at most {self.budget.total} (db_max_connections); lower --db-max-connections, "
                    "run fewer processes, or raise Postgres's max_connections.")
        return f"cannot open the store at {self.display_url}: {type(exc).__name__}: {exc}"

    async def dispose(self) -> None:
        """Close the driver's connections and the engine's pool; the handle is done."""
        found, self._direct = self._direct, None
        if found is not None:
            await found.close()
        await self.engine.dispose()


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def display_url(url: str) -> str:
    """The URL for logs: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


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


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
    command.upgrade(_alembic_config(connection), "head")
