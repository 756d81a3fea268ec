"""Vector stores (services/vector_stores.py, services/search.py) on a store of their own: a
create reads one file's text at a time; a batch cut short still gets a final status; a search
makes its stores active (last_active_at, from which expiry counts) and an expired store is refused."""

from __future__ import annotations

import asyncio
import time

import pytest

from responses_mock.errors import InvalidRequest
from responses_mock.services import files as file_service
from responses_mock.services import search
from responses_mock.services.vector_stores import VectorStoresService
from responses_mock.store import files as file_store
from responses_mock.store import vector_stores as store_rows
from responses_mock.store.handle import Store


async def _fresh(url: str) -> tuple[Store, VectorStoresService]:
    store = Store(url)
    await store.migrate()
    for i in range(3):
        row = file_store.FileRow(id=f"file-{i}", created_at=1, expires_at=None, filename=f"f{i}.txt",
                                 purpose="assistants", mime_type="text/plain", bytes=20,
                                 text=f"zebra number {i} grazes", pages=None)
        async with store.begin() as conn:
            await file_store.insert_file(conn, "t", row)
    return store, VectorStoresService(store)


def test_a_create_reads_one_files_text_at_a_time(make_server, monkeypatch):
    url = make_server.fresh_url("sqlite")
    reads: list[tuple[int, bool]] = []
    real = file_service.live_files

    async def counted(store, tenant, file_ids, *, with_text=True):
        reads.append((len(set(file_ids)), with_text))
        return await real(store, tenant, file_ids, with_text=with_text)

    async def scenario():
        store, stores = await _fresh(url)
        try:
            monkeypatch.setattr(file_service, "live_files", counted)
            made = await stores.create("t", {"file_ids": ["file-0", "file-1", "file-2"]})
            assert made["file_counts"]["in_progress"] == 3
            texts = [n for n, with_text in reads if with_text]
            assert texts == [1, 1, 1] and (3, False) in reads  # checked together, read one by one
        finally:
            await store.dispose()

    asyncio.run(scenario())


def test_a_batch_cut_short_gets_a_final_status(make_server, monkeypatch):
    url = make_server.fresh_url("sqlite")
    real = search.chunks_of
    calls = []

    async def failing_second(text, chunking):
        calls.append(text)
        if len(calls) == 2:
            raise RuntimeError("the store went away")
        return await real(text, chunking)

    async def scenario():
        store, stores = await _fresh(url)
        try:
            vs = await stores.create("t", {})
            monkeypatch.setattr(search, "chunks_of", failing_second)
            with pytest.raises(RuntimeError):
                await stores.create_batch("t", vs["id"], {"file_ids": ["file-0", "file-1", "file-2"]})
            page = await stores.list("t", limit=10, order="desc", after=None, before=None)
            assert page["data"][0]["file_counts"]["completed"] == 1
            async with store.connect() as conn:
                batches = (await conn.exec_driver_sql("SELECT status FROM vector_store_batches")).scalars().all()
            assert batches == ["failed"]  # not left in_progress
        finally:
            await store.dispose()

    asyncio.run(scenario())


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_use_makes_a_store_active_and_an_expired_one_is_refused(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        store, stores = await _fresh(url)
        try:
            now = int(time.time())
            live = store_rows.StoreRow(id="vs_live", created_at=now - 5000, name="", description=None, metadata="{}",
                                       expires_days=1, last_active_at=now - 5000)
            old = store_rows.StoreRow(id="vs_old", created_at=now - 3 * 86400, name="", description=None,
                                      metadata="{}", expires_days=1, last_active_at=now - 2 * 86400)
            async with store.begin() as conn:
                await store_rows.insert(conn, "t", live)
                await store_rows.insert(conn, "t", old)
            await stores.add_file("t", "vs_live", {"file_id": "file-0"})
            got = await stores.retrieve("t", "vs_live")
            assert got["last_active_at"] >= now and got["expires_at"] == got["last_active_at"] + 86400
            async with store.begin() as conn:
                await store_rows.update_store(conn, "t", "vs_live", {"last_active_at": now - 5000})
            assert (await stores.search("t", "vs_live", {"query": "zebra"}))["data"]
            assert (await stores.retrieve("t", "vs_live"))["last_active_at"] >= now  # the search touched it
            async with store.begin() as conn:
                await store_rows.update_store(conn, "t", "vs_live", {"last_active_at": now - 5000})
            tool = {"type": "file_search", "vector_store_ids": ["vs_live"]}
            assert await search.for_tool(store, "t", tool, "zebra?", 0)
            assert (await stores.retrieve("t", "vs_live"))["last_active_at"] >= now  # so did file_search
            assert (await stores.retrieve("t", "vs_old"))["status"] == "expired"
            for call in (lambda: stores.search("t", "vs_old", {"query": "zebra"}),
                         lambda: stores.add_file("t", "vs_old", {"file_id": "file-1"}),
                         lambda: stores.create_batch("t", "vs_old", {"file_ids": ["file-1"]}),
                         lambda: search.for_tool(store, "t", {**tool, "vector_store_ids": ["vs_old"]}, "zebra", 0)):
                with pytest.raises(InvalidRequest) as err:
                    await call()
                assert err.value.code == "vector_store_expired" and "vs_old" in err.value.message
            assert (await stores.retrieve("t", "vs_old"))["last_active_at"] == now - 2 * 86400  # not revived
        finally:
            await store.dispose()

    asyncio.run(scenario())
