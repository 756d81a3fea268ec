"""The per-response event log: batch append, and read after a sequence number."""

from __future__ import annotations

import time
from functools import cache
from itertools import chain

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store import direct, pg_listen
from responses_mock.store.tables import response_events as t

# A run's events go in as INSERTs of up to 64 rows, the response's id given once (parameter 1),
# then each event's seq, type, data and at: per row, executemany's step, reset and GIL release cost
# more than SQLite's own insert (a stream's 65 rows: 1.2 M instructions as 65 steps, 0.8 M as two
# statements). The few shapes stay prepared in each connection's statement cache.
_CHUNKS = (64, 16, 4, 1)


@cache
def _insert(rows: int, dialect: str) -> str:
    """The INSERT of `rows` events, with numbered parameters (one of them used by every row):
    `?n` for SQLite, which direct.py leaves as they are, `$n` for Postgres."""
    mark = "?" if dialect == "sqlite" else "$"
    values = ", ".join(f"({mark}1, {mark}{k}, {mark}{k + 1}, {mark}{k + 2}, {mark}{k + 3})"
                       for k in range(2, 2 + 4 * rows, 4))
    return f"INSERT INTO response_events (response_id, seq, type, data, at) VALUES {values}"


async def append(conn, response_id: str, events: list[tuple]) -> None:
    """Insert (seq, type, json[, at]) rows (`at`: when it was emitted; now if not given), on a
    SQLAlchemy connection or a group-commit `Tx` (driver SQL: every stream writes here)."""
    if not events:
        return
    if min(map(len, events)) < 4:
        now = time.time()
        events = [e if len(e) > 3 else (*e, now) for e in events]
    dialect, start = conn.dialect.name, 0
    for size in _CHUNKS:
        count = (len(events) - start) // size
        if count:
            await direct.execute(conn, _insert(size, dialect), [
                (response_id, *chain.from_iterable(events[i:i + size])) for i in range(start, start + count * size, size)])
            start += count * size
    await pg_listen.notify(conn, pg_listen.EVENTS, response_id)


_AFTER = "SELECT seq, type, data FROM response_events WHERE response_id = $1 AND seq > $2 ORDER BY seq"
_LAST = "SELECT max(seq) FROM response_events WHERE response_id = $1"


# Stream followers read these: driver SQL, from a `Direct` or in a connection's transaction.
async def after(source, response_id: str, seq: int, limit: int | None = 1000) -> list[tuple[int, str, str]]:
    if limit is None:
        return await direct.rows(source, _AFTER, response_id, seq)
    return await direct.rows(source, _AFTER + " LIMIT $3", response_id, seq, limit)


async def last_seq(source, response_id: str) -> int:
    """The highest sequence number logged, -1 when none."""
    value = (await direct.rows(source, _LAST, response_id))[0][0]
    return -1 if value is None else value


async def timed(conn: AsyncConnection, response_id: str, limit: int = 5000) -> list[tuple[int, str, str, float | None]]:
    """The log with when each event was emitted (the inspector's replay)."""
    query = select(t.c.seq, t.c.type, t.c.data, t.c.at).where(t.c.response_id == response_id).order_by(t.c.seq)
    return [tuple(r) for r in await conn.execute(query.limit(limit))]


async def remove(conn: AsyncConnection, response_id: str) -> None:
    await conn.execute(delete(t).where(t.c.response_id == response_id))
