"""Cursor pages over an ordered item list, as the real API pages input and conversation items."""

from __future__ import annotations

from responses_mock.errors import InvalidRequest
from responses_mock.store.items import ItemList
from responses_mock.wire import objects


async def item_page(source, items: ItemList, owner_id: str, *, limit: int, order: str,
                    after: str | None, owner: str) -> bytes:
    """`after` is an item id; in `desc` order, "after" means older. `owner` names the parent in errors."""
    rows = await items.page(source, owner_id, limit=limit, descending=order == "desc", after=after)
    if not rows and after is not None and await items.position_of(source, owner_id, after) is None:
        raise InvalidRequest(f"Invalid 'after': no item with id '{after}' in {owner} '{owner_id}'.",
                             param="after", code="invalid_value")
    page = rows[:limit]
    return objects.list_page([data for _, data in page], page[0][0] if page else None,
                             page[-1][0] if page else None, has_more=len(rows) > limit)
