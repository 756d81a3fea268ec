"""Cursor pages (services/paging.py): the extra row read becomes has_more, first and last ids name
the page, and an `after` naming no item of the parent is a 400 naming it, as the real API pages."""

from __future__ import annotations

import orjson
import pytest

from responses_mock.errors import InvalidRequest
from responses_mock.services.paging import item_page


class Items:
    """An ItemList over a Python list: what store/items.py returns for a page."""

    def __init__(self, n: int) -> None:
        self.rows = [(f"msg_{i}", orjson.dumps({"id": f"msg_{i}"}).decode()) for i in range(n)]

    async def page(self, source, owner_id, *, limit, descending, after):
        rows = self.rows[::-1] if descending else self.rows
        ids = [r[0] for r in rows]
        start = 0 if after is None else ids.index(after) + 1 if after in ids else len(rows)
        return rows[start:start + limit + 1]

    async def position_of(self, source, owner_id, item_id):
        return next((i for i, (rid, _) in enumerate(self.rows) if rid == item_id), None)


async def page(items: Items, **kw) -> dict:
    args = {"limit": 2, "order": "asc", "after": None, **kw}
    return orjson.loads(await item_page(None, items, "resp_1", owner="response", **args))


async def test_pages_name_their_ends_and_say_whether_more_follow():
    items = Items(5)
    assert await page(items) == {"object": "list", "data": [{"id": "msg_0"}, {"id": "msg_1"}],
                                 "first_id": "msg_0", "last_id": "msg_1", "has_more": True}
    last = await page(items, after="msg_2")
    assert [d["id"] for d in last["data"]] == ["msg_3", "msg_4"] and last["has_more"] is False
    newest = await page(items, order="desc", limit=3)
    assert (newest["first_id"], newest["last_id"], newest["has_more"]) == ("msg_4", "msg_2", True)


async def test_the_end_of_the_list_and_an_empty_list_are_empty_pages():
    assert await page(Items(3), after="msg_2") == {"object": "list", "data": [], "first_id": None,
                                                   "last_id": None, "has_more": False}
    assert (await page(Items(0)))["data"] == []


async def test_an_unknown_cursor_is_a_400_naming_it():
    with pytest.raises(InvalidRequest) as bad:
        await page(Items(3), after="msg_9")
    assert (bad.value.param, bad.value.code) == ("after", "invalid_value")
    assert bad.value.message == "Invalid 'after': no item with id 'msg_9' in response 'resp_1'."
