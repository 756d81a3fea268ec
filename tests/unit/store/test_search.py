"""Chunks searched by each store's own full-text engine (store/search.py): FTS5 bm25 on SQLite,
ts_rank over a GIN-indexed tsvector on Postgres — matching chunks only, best first, scores in
[0, 1), stores kept apart, stemming, removed chunks gone from the index. Both stores. And a
file's bytes in pieces (store/files.py) come back whole, in order."""

from __future__ import annotations

import asyncio

import pytest

from responses_mock.store import files as file_store
from responses_mock.store import search
from tests.stores import migrated


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_the_engine_ranks_matching_chunks(make_server, engine_name):
    url = make_server.fresh_url(engine_name)

    async def scenario():
        async with migrated(url) as store:
            async with store.begin() as conn:
                await search.add_chunks(conn, "vs_a", "file-1", ["The cat sat on the mat.",
                                                                 "Dogs are running in the park with other dogs."])
                await search.add_chunks(conn, "vs_a", "file-2", ["A recipe for lemon cake.", "Cats and dogs."])
                await search.add_chunks(conn, "vs_b", "file-3", ["Dogs everywhere, dogs dogs dogs."])
            async with store.connect() as conn:
                hits = await search.search(conn, ["vs_a"], ["dogs", "running"], 10)
                assert (hits[0].file_id, hits[0].text) == ("file-1", "Dogs are running in the park with other dogs.")
                assert {h.text for h in hits} == {"Dogs are running in the park with other dogs.", "Cats and dogs."}
                assert all(0 < h.score < 1 for h in hits) and hits[0].score > hits[1].score
                assert [h.text for h in await search.search(conn, ["vs_a"], ["run"], 10)] == [
                    "Dogs are running in the park with other dogs."]  # stemmed: run ~ running
                assert await search.search(conn, ["vs_a"], ["zebra"], 10) == []
                both = await search.search(conn, ["vs_a", "vs_b"], ["dogs"], 10)
                assert {h.vector_store_id for h in both} == {"vs_a", "vs_b"}
                assert len(await search.search(conn, ["vs_a"], ["dogs"], 1)) == 1
            async with store.begin() as conn:
                await search.remove_chunks(conn, "vs_a", "file-1")
            async with store.connect() as conn:
                assert [h.file_id for h in await search.search(conn, ["vs_a"], ["dogs"], 10)] == ["file-2"]

    asyncio.run(scenario())


@pytest.mark.parametrize("engine_name", ["sqlite", "postgres"])
def test_bytes_in_pieces_come_back_whole(make_server, engine_name):
    url = make_server.fresh_url(engine_name)
    data = bytes(range(256)) * ((2 * file_store.PIECE + 1000) // 256)

    async def scenario():
        async with migrated(url) as store:
            async with store.begin() as conn:
                assert await file_store.write_blob(conn, "file-x", data) == 3
            pieces = [p async for p in file_store.blob_pieces(store.connect, "file-x")]
            assert [len(p) for p in pieces] == [file_store.PIECE, file_store.PIECE, len(data) - 2 * file_store.PIECE]
            assert b"".join(pieces) == data

    asyncio.run(scenario())
