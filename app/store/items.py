"""Ordered item lists — a response's input items, a conversation's items — with batch insert and
keyset paging on (owner, position): a page deep in the list costs what the first page costs."""

from __future__ import annotations

from sqlalchemy import Table, delete
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store import direct
from responses_mock.store.tables import conversation_items, response_items


class ItemList:
    """The queries of one item table, keyed by its owner column. Reads and appends are driver SQL
    (store/direct.py): on a `Direct` outside transactions, or within a SQLAlchemy connection's."""

    def __init__(self, table: Table, owner: str) -> None:
        self.t = table
        self.owner = table.c[owner]
        name = table.name

        def first(owner_param: int, id_param: int) -> str:
            # min(), not ORDER BY position LIMIT 1: SQLite would walk the position index until the
            # id turned up — 10,000 rows for an item near the end of a long list.
            return f"SELECT min(position) FROM {name} WHERE {owner} = ${owner_param} AND item_id = ${id_param}"

        self._insert = f"INSERT INTO {name} ({owner}, position, item_id, data) VALUES ($1, $2, $3, $4)"
        self._all = f"SELECT data FROM {name} WHERE {owner} = $1 ORDER BY position"
        self._position = first(1, 2)
        self._get = f"SELECT data FROM {name} WHERE {owner} = $1 AND position = ({first(2, 3)})"
        self._pages = {  # (descending, after an item) → keyset query on (owner, position), one round trip
            (desc, cursor): f"SELECT item_id, data FROM {name} WHERE {owner} = $1"
                            + (f" AND position {'<' if desc else '>'} ({first(2, 3)})" if cursor else "")
                            + f" ORDER BY position{' DESC' if desc else ''} LIMIT ${4 if cursor else 2}"
            for desc in (False, True) for cursor in (False, True)}

    async def add(self, conn, owner_id: str, items: list[tuple[str, str]], start: int = 0) -> None:
        """Append (item_id, json) pairs in one statement, positions from `start` on."""
        if items:
            await direct.execute(conn, self._insert, [
                (owner_id, start + i, item_id, data) for i, (item_id, data) in enumerate(items)])

    async def all_data(self, source, owner_id: str) -> list[str]:
        return [r[0] for r in await direct.rows(source, self._all, owner_id)]

    async def position_of(self, source, owner_id: str, item_id: str) -> int | None:
        return (await direct.rows(source, self._position, owner_id, item_id))[0][0]

    async def get(self, source, owner_id: str, item_id: str) -> str | None:
        found = await direct.rows(source, self._get, owner_id, owner_id, item_id)
        return found[0][0] if found else None

    async def page(self, source, owner_id: str, *, limit: int, descending: bool,
                   after: str | None) -> list[tuple[str, str]]:
        """Up to limit+1 (item_id, json) rows past the item `after` (an id): the extra row tells
        has_more. An unknown `after` gives no rows, as the end of the list does (`position_of`
        tells them apart)."""
        sql = self._pages[descending, after is not None]
        args = (owner_id, limit + 1) if after is None else (owner_id, owner_id, after, limit + 1)
        return [(r[0], r[1]) for r in await direct.rows(source, sql, *args)]

    async def remove(self, conn: AsyncConnection, owner_id: str, item_id: str | None = None) -> int:
        """Delete one item (by id) or all of an owner's items; returns how many went."""
        query = delete(self.t).where(self.owner == owner_id)
        if item_id is not None:
            query = query.where(self.t.c.item_id == item_id)
        return (await conn.execute(query)).rowcount


RESPONSE_ITEMS = ItemList(response_items, "response_id")
CONVERSATION_ITEMS = ItemList(conversation_items, "conversation_id")
