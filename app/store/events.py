"""The per-response event log: batch append, and read after a sequence number."""

from __future__ import annotations

import time

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store import direct, pg_listen
from responses_mock.store.tables import response_events as t

_COLUMNS = ("seq", "type", "data", "at")  # after response_id, which every row of a run shares


async def append(conn, response_id: str, events: list[tuple]) -> None:
    """Insert (seq, type, json[, at]) rows (`at`: when it was emitted; now if not given), on a
    SQLAlchemy connection or a group-commit `Tx` (driver SQL: every stream writes here)."""
    if not events:
        return
    if min(map(len, events)) < 4:
        now = time.time()
        events = [e if len(e) > 3 else (*e, now) for e in events]
    await direct.insert_rows(conn, "response_events", _COLUMNS, events, shared=("response_id", response_id))
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
