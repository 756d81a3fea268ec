"""A response's input items: batch insert, and keyset paging on (response_id, position)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables import response_items as t


async def add(conn: AsyncConnection, response_id: str, items: list[tuple[str, str]], start: int = 0) -> None:
    """Append (item_id, json) pairs in one statement, positions from `start` on."""
    if items:
        await conn.execute(t.insert(), [
            {"response_id": response_id, "position": start + i, "item_id": item_id, "data": data}
            for i, (item_id, data) in enumerate(items)
        ])


async def all_data(conn: AsyncConnection, response_id: str) -> list[str]:
    rows = await conn.execute(
        select(t.c.data).where(t.c.response_id == response_id).order_by(t.c.position))
    return list(rows.scalars())


async def position_of(conn: AsyncConnection, response_id: str, item_id: str) -> int | None:
    return (await conn.execute(
        select(t.c.position).where(t.c.response_id == response_id, t.c.item_id == item_id)
        .order_by(t.c.position).limit(1)
    )).scalar_one_or_none()


async def page(conn: AsyncConnection, response_id: str, *, limit: int, descending: bool,
               after_position: int | None) -> list[tuple[str, str]]:
    """Up to limit+1 (item_id, json) rows past the cursor: the extra row tells has_more."""
    query = select(t.c.item_id, t.c.data).where(t.c.response_id == response_id)
    if after_position is not None:
        query = query.where(t.c.position < after_position if descending else t.c.position > after_position)
    query = query.order_by(t.c.position.desc() if descending else t.c.position).limit(limit + 1)
    return [(r[0], r[1]) for r in await conn.execute(query)]
