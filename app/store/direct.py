"""The hot statements on the driver itself: no pool checkout, no greenlet, no compilation.

SQLAlchemy's async layer costs ~100 µs a statement here (pool checkout and return, a greenlet
hop per call, a task to shield the close) around statements SQLite runs in 5 µs. The few that
every create and retrieve run go straight to the driver instead; everything else stays Core.

- SQLite: one reader connection called inline (in WAL mode a read never waits), one writer
  connection under the store's write lock (the lock `Store.begin()` takes, so it never meets
  another writer and never waits in SQLite's busy loop).
- Postgres: an asyncpg pool of its own, small: hot statements are short.

On both, concurrent write transactions are committed together (a COMMIT — a WAL write, on
Postgres also a round trip and an fsync — is most of a small write's cost).

SQL is written once in asyncpg's `$1` style, which is also what SQLAlchemy's asyncpg adapter
passes through `exec_driver_sql`; for SQLite `$n` becomes `?` (each parameter used once, in order).

The `Store` (store/handle.py) makes one of these per database, and its docstring says which
statements come here.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from functools import cache, lru_cache
from itertools import chain
from typing import Any

from responses_mock.store import wal
from responses_mock.store.health import StoreHealth

_DOLLAR = re.compile(r"\$\d+")


@lru_cache(maxsize=256)
def driver_sql(sql: str, dialect: str) -> str:
    """`sql` in the driver's parameter style."""
    return _DOLLAR.sub("?", sql) if dialect == "sqlite" else sql


async def execute(conn, sql: str, args: Sequence[Any] | list[Sequence[Any]]) -> None:
    """Run `$n`-style SQL on a SQLAlchemy connection or a `Tx`: one row of arguments, or many."""
    await conn.exec_driver_sql(driver_sql(sql, conn.dialect.name), args)


# Many rows go in as INSERTs of up to 64 rows a statement, the rest in halves: per row,
# executemany's step, reset and GIL release cost more than SQLite's own insert (a stream's 65
# event rows: 1.2 M instructions as 65 steps, 0.8 M as two statements). The few shapes stay
# prepared in each connection's statement cache.
_ROWS_A_STATEMENT = 64


@cache
def insert_sql(table: str, columns: tuple[str, ...], rows: int, dialect: str, shared: str | None = None) -> str:
    """The INSERT of `rows` rows with numbered parameters, `?n` for SQLite (which driver_sql
    leaves as they are) or `$n`; `shared`: a first column every row has the same value of, given
    once (parameter 1)."""
    mark, width, first = ("?" if dialect == "sqlite" else "$"), len(columns), 2 if shared else 1
    lead = f"{mark}1, " if shared else ""
    values = ", ".join(f"({lead}{', '.join(f'{mark}{k}' for k in range(at, at + width))})"
                       for at in range(first, first + rows * width, width))
    return f"INSERT INTO {table} ({', '.join((shared, *columns) if shared else columns)}) VALUES {values}"


async def insert_rows(conn, table: str, columns: tuple[str, ...], rows: Sequence[tuple],
                      shared: tuple[str, Any] | None = None) -> None:
    """Insert `rows` (values in `columns`' order) on a SQLAlchemy connection or a `Tx`, as
    statements of many rows; `shared`: (column, value) that every row has."""
    dialect, at, left = conn.dialect.name, 0, len(rows)
    name, head = (shared[0], (shared[1],)) if shared else (None, ())
    while left:
        n = _ROWS_A_STATEMENT if left >= _ROWS_A_STATEMENT else 1 << (left.bit_length() - 1)
        await conn.exec_driver_sql(insert_sql(table, columns, n, dialect, name),
                                   (*head, *chain.from_iterable(rows[at:at + n])))
        at, left = at + n, left - n


def rows(source, sql: str, *args: Any) -> Awaitable[list[tuple]]:
    """The rows of `$n`-style SQL, read from a `Direct` (outside any transaction) or within a
    SQLAlchemy connection's transaction. Not a coroutine itself: a `Direct`'s read is awaited
    directly, one frame less on every hot read."""
    if isinstance(source, (SQLiteDirect, PostgresDirect)):
        return source.all(sql, *args)
    return _connection_rows(source, sql, args)


async def _connection_rows(conn, sql: str, args: tuple) -> list[tuple]:
    return [tuple(r) for r in await conn.exec_driver_sql(driver_sql(sql, conn.dialect.name), args)]


class _Dialect:
    def __init__(self, name: str) -> None:
        self.name = name


class Tx:
    """Collects a transaction's statements for the group commit."""

    def __init__(self, dialect: _Dialect) -> None:
        self.dialect = dialect
        self.statements: list[tuple[str, Any]] = []

    async def exec_driver_sql(self, sql: str, args) -> None:
        self.statements.append((sql, args))


Batch = list[tuple[list[tuple[str, Any]], asyncio.Future, bool]]  # statements, their caller, aside


class _GroupCommit:
    """Writes are group-committed: the transactions that arrive while the writer is busy share
    one COMMIT, and each caller returns only once its own writes are durable. The batch goes in
    one transaction, each INSERT's rows together; if it fails, each caller's statements again in
    a transaction of their own, so only the culprit fails. One writer at a time, so batches grow
    under load."""

    dialect: _Dialect

    def __init__(self, lock: asyncio.Lock, health: StoreHealth) -> None:
        self._lock = lock
        self.health = health  # told each commit's outcome (what /ready says)
        self._pending: Batch = []
        self._flushes: set[asyncio.Task] = set()  # kept alive: the loop holds tasks only weakly

    @asynccontextmanager
    async def transaction(self, aside: bool = False) -> AsyncIterator[Tx]:
        """Statements given inside are written, all or none, when the block ends. `aside`: no
        request waits on them (the journal's), so SQLite's work on them need not be the loop's."""
        tx = Tx(self.dialect)
        yield tx
        if not tx.statements:
            return
        done = asyncio.get_running_loop().create_future()
        self._pending.append((tx.statements, done, aside))
        if len(self._pending) == 1:  # the first of a batch starts its flush
            task = asyncio.create_task(self._flush())
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)
        try:
            await done
        except Exception as exc:
            self.health.write_failed(exc)
            raise
        self.health.wrote()

    async def _flush(self) -> None:
        for _ in range(2):  # two more turns of the loop: requests under way join this batch
            await asyncio.sleep(0)  # (bigger batches, fewer commits: +10% creates/s under load)
        async with self._lock:
            batch, self._pending = self._pending, []
            aside = len(batch) > 1 or batch[0][2]
            try:
                await self._commit(_merged([s for statements, _, _ in batch for s in statements]), aside)
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][1], exc)
                    return
                for statements, done, alone_aside in batch:
                    try:
                        await self._commit(statements, alone_aside)
                    except Exception as alone:
                        _settle(done, alone)
                    else:
                        _settle(done, None)
                return
            for _, done, _ in batch:
                _settle(done, None)

    async def _commit(self, statements: list[tuple[str, Any]], aside: bool = False) -> None:
        """Run the statements in one transaction of the driver's (`aside`: several callers', or
        one nobody waits on)."""
        raise NotImplementedError


_INLINE_ROWS = 1024  # rows a SQLite commit writes inline (~3 ms); more go to a thread


class SQLiteDirect(_GroupCommit):
    """Reads inline on one connection; writes on another, under the store's write lock. Both
    open with the store's PRAGMAs."""

    dialect = _Dialect("sqlite")

    def __init__(self, path: str, lock: asyncio.Lock, health: StoreHealth, pragmas: Sequence[str]) -> None:
        super().__init__(lock, health)
        self._path = path
        self._pragmas = tuple(pragmas)
        self._reader: sqlite3.Connection | None = None
        self._reads: sqlite3.Cursor | None = None  # the reader's
        self._sql: dict[str, str] = {}  # `$n` SQL → the driver's
        self._writer: sqlite3.Connection | None = None
        self._checkpointer = wal.Checkpointer(path)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        for pragma in self._pragmas:
            conn.execute(pragma)
        return conn

    def _read(self, sql: str, args: tuple) -> list[tuple]:
        if self._reads is None:
            self._reader = self._connect()
            self._reads = self._reader.cursor()
        # One cursor for every read: each runs to its end (fetchall), so none holds a snapshot open.
        return self._reads.execute(self._sql.get(sql) or self._translated(sql), args).fetchall()

    def _translated(self, sql: str) -> str:
        if len(self._sql) >= 256:  # bounded: the statements are a few constants
            self._sql.clear()
        found = self._sql[sql] = driver_sql(sql, "sqlite")
        return found

    async def all(self, sql: str, *args: Any) -> list[tuple]:
        return self._read(sql, args)

    async def _commit(self, statements: list[tuple[str, Any]], aside: bool = False) -> None:
        rows = sum((len(args) if isinstance(args, list) else 1) * (sql.count("), (") + 1) for sql, args in statements)
        # Thousands of items (a 16,384-item input) must not hold the loop; and a batch of several
        # callers' transactions (load), or the journal's, commits in a thread too: sqlite3 lets go
        # of the GIL while SQLite works, so the loop serves the next requests on the other core
        # meanwhile. A lone request's transaction (no load) stays inline: a thread's hand-off
        # would only add to its latency.
        if rows > _INLINE_ROWS or aside:
            await asyncio.to_thread(self._commit_now, statements)
        else:
            self._commit_now(statements)

    def _commit_now(self, statements: list[tuple[str, Any]]) -> None:
        if self._writer is None:
            self._writer = self._connect()
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, args in statements:
                (conn.executemany if isinstance(args, list) else conn.execute)(sql, args)
            conn.execute("COMMIT")
        except BaseException:
            # SQLite rolls back by itself on some errors (SQLITE_FULL, SQLITE_IOERR): a second
            # ROLLBACK would raise and hide the real error behind "no transaction is active".
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        self._checkpointer.stop()
        # A large batch commits in a thread, under the write lock: closing the writer meanwhile
        # crashes the process (sqlite3 does not guard a close racing a statement). Wait for it;
        # a caller's bound (shutdown's) leaves the connections open rather than close them under it.
        async with self._lock:
            for conn in (self._reader, self._writer):
                if conn is not None:
                    conn.close()
            self._reader = self._writer = self._reads = None


class PostgresDirect(_GroupCommit):
    """An asyncpg pool of its own; writes group-committed on one of its connections."""

    dialect = _Dialect("postgresql")

    def __init__(self, dsn: str, max_size: int, health: StoreHealth, connect_timeout: float = 60.0) -> None:
        super().__init__(asyncio.Lock(), health)
        self._dsn, self._max_size, self._timeout = dsn, max_size, connect_timeout
        self._pool = None
        self._opening = asyncio.Lock()  # one pool, however many first callers race for it

    async def _get_pool(self):
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    import asyncpg

                    self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=self._max_size,
                                                           timeout=self._timeout)
        return self._pool

    async def all(self, sql: str, *args: Any) -> list[tuple]:
        return [tuple(r) for r in await (await self._get_pool()).fetch(sql, *args)]

    async def _commit(self, statements: list[tuple[str, Any]], aside: bool = False) -> None:
        async with (await self._get_pool()).acquire() as conn, conn.transaction():
            for sql, args in statements:
                await (conn.executemany(sql, args) if isinstance(args, list) else conn.execute(sql, *args))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


def _merged(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The rows of each INSERT gathered into one executemany, in first-seen order. Only when all
    are INSERTs (no foreign keys here, so their order across tables does not matter); anything
    else runs as given."""
    if not all(sql.startswith("INSERT ") for sql, _ in statements):
        return statements
    rows: dict[str, list] = {}
    for sql, args in statements:
        rows.setdefault(sql, []).extend(args if isinstance(args, list) else [args])
    return list(rows.items())


def _settle(done: asyncio.Future, error: BaseException | None) -> None:
    if done.done():  # its caller went away; the write stands
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


Direct = SQLiteDirect | PostgresDirect
