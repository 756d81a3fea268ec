"""Ordered item lists (store/items.py): keyset pages on (owner, position) in both orders, after any
item, with the extra row that tells has_more; an unknown cursor told from the end of the list;
owners kept apart. Both stores."""

from __future__ import annotations

import asyncio

import pytest

from responses_mock.store.items import RESPONSE_ITEMS
from tests.stores import migrated


def ids_of(rows: list[tuple[str, str]]) -> list[str]:
    return [item_id for item_id, _ in rows]


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_keyset_pages_walk_the_list_in_both_orders(make_server, engine_name):
    url = make_server.fresh_url(engine_name)
    items = [(f"msg_{i:03d}", f'{{"n": {i}}}') for i in range(25)]

    async def scenario():
        async with migrated(url) as handle:
            store = handle.direct
            async with store.transaction() as tx:
                await RESPONSE_ITEMS.add(tx, "resp_a", items[:10])
                await RESPONSE_ITEMS.add(tx, "resp_a", items[10:], start=10)  # a second batch appends
                await RESPONSE_ITEMS.add(tx, "resp_b", [("msg_b", "{}")])
            first = await RESPONSE_ITEMS.page(store, "resp_a", limit=10, descending=False, after=None)
            assert ids_of(first) == [i for i, _ in items[:11]]  # limit + 1: one more tells has_more
            walked, after = [], None
            while True:  # page by page, each after the last id of the one before
                rows = await RESPONSE_ITEMS.page(store, "resp_a", limit=10, descending=True, after=after)
                walked += ids_of(rows[:10])
                if len(rows) <= 10:
                    break
                after = rows[9][0]
            assert walked == [i for i, _ in reversed(items)]
            tail = await RESPONSE_ITEMS.page(store, "resp_a", limit=5, descending=False, after="msg_020")
            assert ids_of(tail) == ["msg_021", "msg_022", "msg_023", "msg_024"]
            assert await RESPONSE_ITEMS.page(store, "resp_a", limit=5, descending=True, after="msg_000") == []
            # An unknown cursor gives no rows, as the end does; position_of tells them apart.
            assert await RESPONSE_ITEMS.page(store, "resp_a", limit=5, descending=False, after="msg_b") == []
            assert await RESPONSE_ITEMS.position_of(store, "resp_a", "msg_b") is None
            assert await RESPONSE_ITEMS.position_of(store, "resp_a", "msg_024") == 24
            assert await RESPONSE_ITEMS.get(store, "resp_a", "msg_007") == '{"n": 7}'
            assert await RESPONSE_ITEMS.get(store, "resp_b", "msg_007") is None
            assert len(await RESPONSE_ITEMS.all_data(store, "resp_a")) == 25

    asyncio.run(scenario())
