"""The request journal's SQL: batch append, filtered reads, reset, and a size cap."""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store import direct
from responses_mock.store.tables import journal as t

COLUMNS = (t.c.seq, t.c.id, t.c.tenant, t.c.at, t.c.method, t.c.path, t.c.query, t.c.headers, t.c.body,
           t.c.status, t.c.fixture_id, t.c.duration_ms, t.c.model, t.c.reply)


_FIELDS = ("id", "tenant", "at", "method", "path", "query", "headers", "body", "status", "fixture_id", "duration_ms",
           "model", "reply")
# Every request adds a row: driver SQL (store/direct.py), on a direct transaction or a connection.
_APPEND = f"INSERT INTO journal ({', '.join(_FIELDS)}) VALUES ({', '.join(f'${i + 1}' for i in range(len(_FIELDS)))})"


_VALUES = itemgetter(*_FIELDS)  # an entry's values in _FIELDS' order, as a tuple


async def append(conn, rows: list[dict]) -> None:
    if not rows:
        return
    values = [_VALUES(r) for r in rows]
    if conn.dialect.name != "sqlite":  # asyncpg pipelines an executemany's rows
        await direct.execute(conn, _APPEND, values)
        return
    await direct.insert_rows(conn, "journal", _FIELDS, values)


async def read(conn: AsyncConnection, *, tenant: str | None, method: str | None, path: str | None,
               status: int | None, fixture_id: str | None, after: int | None, limit: int,
               descending: bool, model: str | None = None) -> list[tuple]:
    query = select(*COLUMNS)
    if tenant is not None:
        query = query.where(t.c.tenant == tenant)
    if method is not None:
        query = query.where(t.c.method == method.upper())
    if path is not None:
        query = query.where(t.c.path.like(path.replace("*", "%")) if "*" in path else t.c.path == path)
    if status is not None:
        query = query.where(t.c.status == status)
    if fixture_id is not None:
        # "" asks for the requests no rule answered
        query = query.where(t.c.fixture_id == fixture_id if fixture_id else t.c.fixture_id.is_(None))
    if model is not None:
        query = query.where(t.c.model == model)
    if after is not None:
        query = query.where(t.c.seq < after if descending else t.c.seq > after)
    query = query.order_by(t.c.seq.desc() if descending else t.c.seq).limit(limit)
    return [tuple(r) for r in await conn.execute(query)]


async def hits(conn: AsyncConnection, fixture_ids: list[str]) -> dict[str, int]:
    """How many kept entries each rule answered."""
    if not fixture_ids:
        return {}
    query = (select(t.c.fixture_id, func.count()).where(t.c.fixture_id.in_(fixture_ids))
             .group_by(t.c.fixture_id))
    return {fixture_id: n for fixture_id, n in await conn.execute(query)}


async def clear(conn: AsyncConnection, tenant: str | None) -> int:
    query = delete(t) if tenant is None else delete(t).where(t.c.tenant == tenant)
    return (await conn.execute(query)).rowcount


_TRIM = "DELETE FROM journal WHERE seq <= (SELECT max(seq) FROM journal) - $1"


async def trim(conn, keep: int) -> None:
    """Drop the oldest entries beyond the newest `keep`: driver SQL, on a direct transaction (the
    writer's connection, whose cache holds the journal's pages) or a connection."""
    await direct.execute(conn, _TRIM, (keep,))
