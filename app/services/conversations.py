"""Conversations: a durable, ordered list of items that responses read as context and append to.

A response with `conversation` reads all the conversation's items as its leading context, and
appends its own input when it is recorded and its output when it finishes (services/responses.py).
Appends reserve positions with one row update, so concurrent turns never interleave or get lost.
"""

from __future__ import annotations

import time

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock import ids
from responses_mock.errors import NotFound
from responses_mock.services.paging import item_page
from responses_mock.store import conversations as conversation_store
from responses_mock.store.handle import Store
from responses_mock.store.items import CONVERSATION_ITEMS
from responses_mock.wire import objects
from responses_mock.wire.stored import dumps


def not_found(conversation_id: str) -> NotFound:
    return NotFound(f"Conversation with id '{conversation_id}' not found.")


def conversation_id_of(value: str | dict | None) -> str | None:
    """`conversation` on a request is an id or `{"id": ...}`."""
    if isinstance(value, dict):
        return value.get("id")
    return value



async def append(conn: AsyncConnection, tenant: str, conversation_id: str, items: list[dict], *,
                 missing_ok: bool = False) -> None:
    """Append items at the end, in order (the caller's transaction)."""
    if not items:
        return
    start = await conversation_store.reserve(conn, tenant, conversation_id, len(items))
    if start is None:
        if missing_ok:  # deleted while a response ran: the response still finishes
            return
        raise not_found(conversation_id)
    await CONVERSATION_ITEMS.add(conn, conversation_id, [(i["id"], dumps(i)) for i in items], start=start)


async def items_of(source, tenant: str, conversation_id: str) -> list[dict]:
    """All items, oldest first: a response's leading context (from a `Direct` or a connection)."""
    if await conversation_store.get(source, tenant, conversation_id) is None:
        raise not_found(conversation_id)
    return [orjson.loads(d) for d in await CONVERSATION_ITEMS.all_data(source, conversation_id)]


class ConversationsService:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _render(row: conversation_store.Row) -> dict:
        return objects.conversation(row.id, row.created_at, orjson.loads(row.metadata))

    async def _row(self, source, tenant: str, conversation_id: str) -> conversation_store.Row:
        row = await conversation_store.get(source, tenant, conversation_id)
        if row is None:
            raise not_found(conversation_id)
        return row

    async def create(self, tenant: str, params: dict) -> dict:
        conversation_id, now = ids.conversation_id(), int(time.time())
        metadata = params.get("metadata") or {}
        items = [objects.conversation_item(i) for i in params.get("items") or []]
        async with self.store.begin() as conn:
            await conversation_store.insert(conn, conversation_id, tenant, now, dumps(metadata))
            await append(conn, tenant, conversation_id, items)
        return objects.conversation(conversation_id, now, metadata)

    async def retrieve(self, tenant: str, conversation_id: str) -> dict:
        async with self.store.connect() as conn:
            return self._render(await self._row(conn, tenant, conversation_id))

    async def update(self, tenant: str, conversation_id: str, params: dict) -> dict:
        metadata = dumps(params["metadata"] or {})
        async with self.store.begin() as conn:
            if not await conversation_store.set_metadata(conn, tenant, conversation_id, metadata):
                raise not_found(conversation_id)
            return self._render(await self._row(conn, tenant, conversation_id))

    async def delete(self, tenant: str, conversation_id: str) -> dict:
        async with self.store.begin() as conn:
            if not await conversation_store.remove(conn, tenant, conversation_id):
                raise not_found(conversation_id)
        return objects.deleted(conversation_id, "conversation.deleted")

    async def add_items(self, tenant: str, conversation_id: str, raw_items: list[dict]) -> bytes:
        """Append items; the reply lists exactly the added items (has_more false)."""
        items = [objects.conversation_item(i) for i in raw_items]
        async with self.store.begin() as conn:
            await append(conn, tenant, conversation_id, items)
        return objects.list_page([dumps(i) for i in items], items[0]["id"] if items else None,
                                 items[-1]["id"] if items else None, has_more=False)

    async def list_items(self, tenant: str, conversation_id: str, *, limit: int, order: str,
                         after: str | None) -> bytes:
        reads = self.store.direct
        await self._row(reads, tenant, conversation_id)
        return await item_page(reads, CONVERSATION_ITEMS, conversation_id, limit=limit, order=order,
                               after=after, owner="conversation")

    async def get_item(self, tenant: str, conversation_id: str, item_id: str) -> str:
        reads = self.store.direct
        await self._row(reads, tenant, conversation_id)
        data = await CONVERSATION_ITEMS.get(reads, conversation_id, item_id)
        if data is None:
            raise NotFound(f"Item with id '{item_id}' not found.")
        return data

    async def delete_item(self, tenant: str, conversation_id: str, item_id: str) -> dict:
        """Remove one item; the reply is the conversation, as the real API's."""
        async with self.store.begin() as conn:
            row = await self._row(conn, tenant, conversation_id)
            if not await CONVERSATION_ITEMS.remove(conn, conversation_id, item_id):
                raise NotFound(f"Item with id '{item_id}' not found.")
        return self._render(row)
