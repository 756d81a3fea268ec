"""The journal's SQL (store/journal.py): a batch goes in as statements of many rows on SQLite
(64 at a time, the rest in halves), and reads back whole and in order, whatever its size."""

from __future__ import annotations

import asyncio

import pytest

from responses_mock.store import journal as journal_store
from tests.stores import migrated


def entry(i: int) -> dict:
    return {"id": f"req_{i:04d}", "tenant": "t", "at": 1000.0 + i, "method": "GET", "path": f"/v1/x/{i}",
            "query": "", "headers": "{}", "body": "" if i % 2 else '{"model": "m"}', "status": 200 + i % 3,
            "fixture_id": None if i % 5 else "fx", "duration_ms": 0.5, "model": None if i % 2 else "m",
            "reply": None if i % 7 == 0 else f'{{"n": {i}}}'}


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_a_batch_of_any_size_reads_back_whole_and_in_order(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        async with migrated(url) as handle:
            written = []
            for size in (1, 3, 63, 64, 65, 200):  # under, at and past a statement's 64 rows
                batch = [entry(len(written) + i) for i in range(size)]
                async with handle.direct.transaction() as tx:
                    await journal_store.append(tx, batch)
                written += batch
            async with handle.connect() as conn:
                rows = await journal_store.read(conn, tenant="t", method=None, path=None, status=None,
                                                fixture_id=None, after=None, limit=1000, descending=False)
            assert [r[1:] for r in rows] == [tuple(e[f] for f in journal_store._FIELDS) for e in written]
            assert [r[0] for r in rows] == sorted(r[0] for r in rows)

    asyncio.run(scenario())


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_trim_keeps_the_newest_entries(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        async with migrated(url) as handle:
            async with handle.direct.transaction() as tx:
                await journal_store.trim(tx, 3)  # an empty journal: nothing to do
            async with handle.direct.transaction() as tx:
                await journal_store.append(tx, [entry(i) for i in range(10)])
            for _ in range(2):  # again: nothing more goes
                async with handle.direct.transaction() as tx:
                    await journal_store.trim(tx, 3)
                async with handle.connect() as conn:
                    rows = await journal_store.read(conn, tenant=None, method=None, path=None, status=None,
                                                    fixture_id=None, after=None, limit=100, descending=False)
                assert [r[1] for r in rows] == ["req_0007", "req_0008", "req_0009"]

    asyncio.run(scenario())
