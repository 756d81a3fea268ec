"""The per-response event log: batch append, and read after a sequence number."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queue import pg_listen
from app.store.tables import response_events as t


async def append(conn: AsyncConnection, response_id: str, events: list[tuple[int, str, str]]) -> None:
    """Insert (seq, type, json) rows in one statement."""
    if events:
        await conn.execute(t.insert(), [
            {"response_id": response_id, "seq": seq, "type": type_, "data": data}
            for seq, type_, data in events
        ])
        await pg_listen.notify(conn, pg_listen.EVENTS, response_id)


async def after(conn: AsyncConnection, response_id: str, seq: int,
                limit: int | None = 1000) -> list[tuple[int, str, str]]:
    rows = await conn.execute(
        select(t.c.seq, t.c.type, t.c.data).where(t.c.response_id == response_id, t.c.seq > seq)
        .order_by(t.c.seq).limit(limit))
    return [(r[0], r[1], r[2]) for r in rows]


async def last_seq(conn: AsyncConnection, response_id: str) -> int:
    """The highest sequence number logged, -1 when none."""
    value = (await conn.execute(select(func.max(t.c.seq)).where(t.c.response_id == response_id))).scalar()
    return -1 if value is None else value


async def remove(conn: AsyncConnection, response_id: str) -> None:
    await conn.execute(delete(t).where(t.c.response_id == response_id))
