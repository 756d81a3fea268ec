"""Queries on the conversations table; every read is scoped to the tenant. Items: store/items.py."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store import direct
from responses_mock.store.items import CONVERSATION_ITEMS
from responses_mock.store.tables import conversations as t


@dataclass(frozen=True)
class Row:
    id: str
    created_at: int
    metadata: str


async def insert(conn: AsyncConnection, id: str, tenant: str, created_at: int, metadata: str) -> None:
    await conn.execute(t.insert(), {"id": id, "tenant": tenant, "created_at": created_at, "metadata": metadata})


_GET = "SELECT id, created_at, metadata FROM conversations WHERE id = $1 AND tenant = $2"


async def get(source, tenant: str, conversation_id: str) -> Row | None:
    """From a `Direct` or within a connection's transaction (driver SQL, store/direct.py)."""
    found = await direct.rows(source, _GET, conversation_id, tenant)
    return Row(*found[0]) if found else None


async def set_metadata(conn: AsyncConnection, tenant: str, conversation_id: str, metadata: str) -> bool:
    result = await conn.execute(update(t).where(t.c.id == conversation_id, t.c.tenant == tenant)
                                .values(metadata=metadata))
    return result.rowcount > 0


async def reserve(conn: AsyncConnection, tenant: str, conversation_id: str, n: int) -> int | None:
    """Claim `n` consecutive positions at the end; None if there is no such conversation.

    One UPDATE … RETURNING: the row lock (Postgres) or the write lock (SQLite) orders concurrent
    appends, so each gets its own range and nothing interleaves or is lost.
    """
    end = (await conn.execute(
        update(t).where(t.c.id == conversation_id, t.c.tenant == tenant)
        .values(next_position=t.c.next_position + n).returning(t.c.next_position))).scalar_one_or_none()
    return None if end is None else end - n


async def remove(conn: AsyncConnection, tenant: str, conversation_id: str) -> bool:
    gone = await conn.execute(delete(t).where(t.c.id == conversation_id, t.c.tenant == tenant))
    if gone.rowcount == 0:
        return False
    await CONVERSATION_ITEMS.remove(conn, conversation_id)
    return True
