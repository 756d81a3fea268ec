"""Ordered item lists — a response's input items, a conversation's items — with batch insert and
keyset paging on (owner, position): a page deep in the list costs what the first page costs."""

from __future__ import annotations

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import direct
from app.store.tables import conversation_items, response_items


class ItemList:
    """The queries of one item table, keyed by its owner column."""

    def __init__(self, table: Table, owner: str) -> None:
        self.t = table
        self.owner = table.c[owner]
        self._insert = f"INSERT INTO {table.name} ({owner}, position, item_id, data) VALUES ($1, $2, $3, $4)"

    async def add(self, conn, owner_id: str, items: list[tuple[str, str]], start: int = 0) -> None:
        """Append (item_id, json) pairs in one statement, positions from `start` on; on a SQLAlchemy
        connection or a direct transaction (every create runs it: driver SQL)."""
        if items:
            await direct.execute(conn, self._insert, [
                (owner_id, start + i, item_id, data) for i, (item_id, data) in enumerate(items)])

    async def all_data(self, conn: AsyncConnection, owner_id: str) -> list[str]:
        rows = await conn.execute(select(self.t.c.data).where(self.owner == owner_id).order_by(self.t.c.position))
        return list(rows.scalars())

    async def count(self, conn: AsyncConnection, owner_id: str) -> int:
        return (await conn.execute(select(func.count()).where(self.owner == owner_id))).scalar_one()

    def _first_position(self, owner_id: str, item_id: str):
        # min(), not ORDER BY position LIMIT 1: SQLite would walk the position index until the id
        # turned up — 10,000 rows for an item near the end of a long list.
        return (select(func.min(self.t.c.position))
                .where(self.owner == owner_id, self.t.c.item_id == item_id).scalar_subquery())

    async def position_of(self, conn: AsyncConnection, owner_id: str, item_id: str) -> int | None:
        return (await conn.execute(select(self._first_position(owner_id, item_id)))).scalar_one_or_none()

    async def get(self, conn: AsyncConnection, owner_id: str, item_id: str) -> str | None:
        return (await conn.execute(
            select(self.t.c.data).where(self.owner == owner_id,
                                        self.t.c.position == self._first_position(owner_id, item_id))
        )).scalar_one_or_none()

    async def page(self, conn: AsyncConnection, owner_id: str, *, limit: int, descending: bool,
                   after_position: int | None) -> list[tuple[str, str]]:
        """Up to limit+1 (item_id, json) rows past the cursor: the extra row tells has_more."""
        query = select(self.t.c.item_id, self.t.c.data).where(self.owner == owner_id)
        if after_position is not None:
            query = query.where(self.t.c.position < after_position if descending
                                else self.t.c.position > after_position)
        query = query.order_by(self.t.c.position.desc() if descending else self.t.c.position).limit(limit + 1)
        return [(r[0], r[1]) for r in await conn.execute(query)]

    async def remove(self, conn: AsyncConnection, owner_id: str, item_id: str | None = None) -> int:
        """Delete one item (by id) or all of an owner's items; returns how many went."""
        query = delete(self.t).where(self.owner == owner_id)
        if item_id is not None:
            query = query.where(self.t.c.item_id == item_id)
        return (await conn.execute(query)).rowcount


RESPONSE_ITEMS = ItemList(response_items, "response_id")
CONVERSATION_ITEMS = ItemList(conversation_items, "conversation_id")
