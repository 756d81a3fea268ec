"""The per-response event log: batch append, and read after a sequence number."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.queue import pg_listen
from responses_mock.store import direct
from responses_mock.store.tables import response_events as t


async def append(conn: AsyncConnection, response_id: str, events: list[tuple[int, str, str]]) -> None:
    """Insert (seq, type, json) rows in one statement."""
    if events:
        await conn.execute(t.insert(), [
            {"response_id": response_id, "seq": seq, "type": type_, "data": data}
            for seq, type_, data in events
        ])
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


async def remove(conn: AsyncConnection, response_id: str) -> None:
    await conn.execute(delete(t).where(t.c.response_id == response_id))
