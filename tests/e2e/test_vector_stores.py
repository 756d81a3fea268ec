"""Vector stores through the official SDK, both stores: create/retrieve/list/update/delete, their
files and file batches (status in_progress → completed, file_counts, the SDK's *_and_poll), and
search by the store's own full-text engine — the right file first, filters on attributes,
max_num_results, score_threshold — per key."""

from __future__ import annotations

import io

import openai
import pytest

from tests.conftest import new_key
from tests.pdfs import make_pdf

DOCS = {
    "volcanoes.txt": "Volcanoes erupt when magma rises through the crust. Lava flows from Mount Etna in Sicily "
                     "are frequent; basalt and pumice are volcanic rocks.",
    "baking.txt": "To bake sourdough bread, feed the starter, knead the dough, let it proof overnight, and bake "
                  "in a hot oven until the crust is golden.",
    "tides.txt": "Ocean tides are caused by the gravitational pull of the moon and the sun; spring tides and "
                 "neap tides alternate every two weeks.",
}


def upload(client, name: str, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return client.files.create(file=(name, io.BytesIO(data)), purpose="assistants")


@pytest.fixture
def library(server):
    """A key of its own with three files in one vector store (polled until indexed)."""
    with server.client(api_key=new_key()) as client:
        files = {name: upload(client, name, text) for name, text in DOCS.items()}
        store = client.vector_stores.create(name="library", file_ids=[f.id for f in files.values()])
        yield client, store, files


def test_create_reports_in_progress_then_completed(library, server):
    client, store, files = library
    assert store.id.startswith("vs_") and store.object == "vector_store" and store.name == "library"
    assert store.status == "in_progress" and store.file_counts.in_progress == 3 and store.file_counts.total == 3
    again = client.vector_stores.retrieve(store.id)
    assert again.status == "completed" and again.file_counts.completed == 3 and again.file_counts.total == 3
    assert again.usage_bytes == sum(len(t.encode()) for t in DOCS.values())
    listed = client.vector_stores.files.list(store.id)
    assert {f.id for f in listed.data} == {f.id for f in files.values()}
    first = listed.data[0]
    assert first.status == "completed" and first.vector_store_id == store.id and first.last_error is None
    assert first.chunking_strategy.type == "static"
    assert (first.chunking_strategy.static.max_chunk_size_tokens,
            first.chunking_strategy.static.chunk_overlap_tokens) == (800, 400)  # the real `auto`
    assert {"VectorStoreObject", "ListVectorStoreFilesResponse"} <= set(server.checked)


@pytest.mark.parametrize("query, expected", [
    ("Which volcano has lava flows?", "volcanoes.txt"),
    ("how do I bake bread with a starter", "baking.txt"),
    ("What causes the tides of the ocean?", "tides.txt"),
])
def test_search_returns_the_right_file_first(library, server, query, expected):
    client, store, files = library
    page = client.vector_stores.search(store.id, query=query)
    assert page.data and page.data[0].filename == expected and page.data[0].file_id == files[expected].id
    top = page.data[0]
    assert 0 < top.score <= 1 and top.content[0].type == "text" and top.content[0].text == DOCS[expected]
    assert [r.score for r in page.data] == sorted((r.score for r in page.data), reverse=True)
    assert page.search_query == [query] and page.has_more is False
    assert "VectorStoreSearchResultsPage" in server.checked


def test_search_finds_nothing_for_words_no_file_holds(library):
    client, store, _ = library
    assert client.vector_stores.search(store.id, query="quantum chromodynamics").data == []


def test_search_filters_limits_and_threshold(library):
    client, store, files = library
    client.vector_stores.files.update(files["tides.txt"].id, vector_store_id=store.id,
                                      attributes={"topic": "sea", "year": 2024})
    client.vector_stores.files.update(files["volcanoes.txt"].id, vector_store_id=store.id,
                                      attributes={"topic": "land", "year": 2020})
    wide = "crust moon magma oven tides lava"
    everything = client.vector_stores.search(store.id, query=wide)
    assert len(everything.data) == 3
    assert len(client.vector_stores.search(store.id, query=wide, max_num_results=2).data) == 2
    sea = client.vector_stores.search(store.id, query=wide, filters={"type": "eq", "key": "topic", "value": "sea"})
    assert [r.filename for r in sea.data] == ["tides.txt"] and sea.data[0].attributes == {"topic": "sea", "year": 2024}
    recent = client.vector_stores.search(store.id, query=wide, filters={
        "type": "or", "filters": [{"type": "gte", "key": "year", "value": 2021},
                                  {"type": "eq", "key": "topic", "value": "land"}]})
    assert {r.filename for r in recent.data} == {"tides.txt", "volcanoes.txt"}
    top = everything.data[0].score
    strict = client.vector_stores.search(store.id, query=wide, ranking_options={"score_threshold": top})
    assert [r.score for r in strict.data] == [top] * len(strict.data) and strict.data
    # A chunk that holds every word of the query passes a moderate threshold, on either engine
    # (bm25 alone gives ~1e-6 to a word in half the chunks): "crust" is in two of the three files.
    exact = client.vector_stores.search(store.id, query="magma lava basalt", ranking_options={"score_threshold": 0.5})
    assert [r.filename for r in exact.data] == ["volcanoes.txt"] and exact.data[0].score > 0.9
    common = client.vector_stores.search(store.id, query="crust", ranking_options={"score_threshold": 0.5})
    assert {r.filename for r in common.data} == {"volcanoes.txt", "baking.txt"}
    partial = client.vector_stores.search(store.id, query="magma oven moon tides",
                                          ranking_options={"score_threshold": 0.5})
    assert [r.filename for r in partial.data] == ["tides.txt"]  # 2 of 4 words; the others hold 1
    with pytest.raises(openai.BadRequestError) as err:
        client.vector_stores.search(store.id, query=wide, max_num_results=51)
    assert (err.value.param, err.value.code) == ("max_num_results", "integer_above_max_value")
    assert "integer above maximum value" in err.value.body["message"]


def test_search_bounds_its_queries_and_checks_nested_filters(library):
    client, store, _ = library
    for query, param, code in ((["lava"] * 11, "query", "array_above_max_length"),
                               ("lava " * 1000, "query", "string_above_max_length"),
                               (["lava", "x" * 4097], "query[1]", "string_above_max_length")):
        with pytest.raises(openai.BadRequestError) as err:
            client.vector_stores.search(store.id, query=query)
        assert (err.value.param, err.value.code) == (param, code)
    assert client.vector_stores.search(store.id, query=["lava"] * 10).data  # the bound itself passes
    for flt, param in (({"type": "eq", "value": 1}, "filters.key"),
                       ({"type": "and", "filters": [{"type": "eq", "value": 1}]}, "filters.filters[0].key"),
                       ({"type": "or", "filters": [{"type": "zz", "key": "a", "value": 1}]},
                        "filters.filters[0].type")):
        with pytest.raises(openai.BadRequestError) as err:
            client.vector_stores.search(store.id, query="lava", filters=flt)
        assert err.value.param == param
    with pytest.raises(openai.BadRequestError) as err:
        client.vector_stores.search(store.id, query="lava", ranking_options={"score_threshold": 1.5})
    assert err.value.param == "ranking_options.score_threshold"


def test_create_reply_counts_a_file_that_failed_once(server):
    """Only the files that indexed show as in progress in the create's reply; one with no text is failed."""
    with server.client() as client:
        text = upload(client, "a.txt", "zebra port 4242")
        binary = client.files.create(file=("b.bin", io.BytesIO(bytes(range(256)))), purpose="assistants")
        store = client.vector_stores.create(file_ids=[text.id, binary.id])
        counts = store.file_counts
        assert (counts.in_progress, counts.completed, counts.failed, counts.total) == (1, 0, 1, 2)
        again = client.vector_stores.retrieve(store.id).file_counts
        assert (again.completed, again.failed, again.total) == (1, 1, 2)


def test_a_long_file_is_chunked_and_search_returns_the_matching_chunk(server):
    with server.client() as client:
        filler = " ".join(f"Paragraph {i} is about ordinary weather and gardens." for i in range(400))
        text = filler + " The treasure is buried under the old lighthouse."
        f = upload(client, "long.txt", text)
        store = client.vector_stores.create(name="long", file_ids=[f.id],
                                            chunking_strategy={"type": "static", "static": {
                                                "max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50}})
        hit = client.vector_stores.search(store.id, query="where is the treasure buried?").data[0]
        assert "lighthouse" in hit.content[0].text and len(hit.content[0].text) < len(text) // 4
        vs_file = client.vector_stores.files.retrieve(f.id, vector_store_id=store.id)
        assert vs_file.chunking_strategy.static.max_chunk_size_tokens == 200
        with pytest.raises(openai.BadRequestError) as err:
            client.vector_stores.create(file_ids=[f.id], chunking_strategy={"type": "static", "static": {
                "max_chunk_size_tokens": 200, "chunk_overlap_tokens": 150}})
        assert err.value.param == "chunking_strategy.static.chunk_overlap_tokens"


def test_a_pdf_is_indexed_by_its_text(server):
    with server.client() as client:
        f = upload(client, "manual.pdf", make_pdf("Warranty terms.", "Reset the router by holding the red button."))
        store = client.vector_stores.create(name="pdfs")
        added = client.vector_stores.files.create_and_poll(file_id=f.id, vector_store_id=store.id)
        assert added.status == "completed" and client.vector_stores.retrieve(store.id).status == "completed"
        hit = client.vector_stores.search(store.id, query="how to reset the router").data[0]
        assert hit.filename == "manual.pdf" and "red button" in hit.content[0].text


def test_files_upload_and_poll_batches_and_removal(server):
    with server.client() as client:
        store = client.vector_stores.create(name="empty")
        assert store.status == "completed" and store.file_counts.total == 0
        added = client.vector_stores.files.upload_and_poll(vector_store_id=store.id,
                                                           file=("a.txt", io.BytesIO(b"alpha apples")))
        assert added.status == "completed" and added.object == "vector_store.file"
        made = [upload(client, f"{n}.txt", f"{n} bananas") for n in ("b", "c")]
        batch = client.vector_stores.file_batches.create_and_poll(store.id, file_ids=[m.id for m in made])
        assert batch.id.startswith("vsfb_") and batch.status == "completed" and batch.file_counts.completed == 2
        in_batch = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
        assert {f.id for f in in_batch.data} == {m.id for m in made}
        assert client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id).id == batch.id
        assert client.vector_stores.retrieve(store.id).file_counts.completed == 3
        content = client.vector_stores.files.content(added.id, vector_store_id=store.id)
        assert [c.text for c in content] == ["alpha apples"]
        gone = client.vector_stores.files.delete(added.id, vector_store_id=store.id)
        assert (gone.id, gone.deleted, gone.object) == (added.id, True, "vector_store.file.deleted")
        assert client.vector_stores.search(store.id, query="apples").data == []
        assert client.files.retrieve(added.id).id == added.id  # the file itself stays
        client.files.delete(made[0].id)  # deleting a file takes it out of its stores
        assert [r.filename for r in client.vector_stores.search(store.id, query="bananas").data] == ["c.txt"]
        with pytest.raises(openai.NotFoundError):
            client.vector_stores.files.retrieve(added.id, vector_store_id=store.id)


def test_a_file_without_text_fails_to_index(server):
    with server.client() as client:
        f = client.files.create(file=("pic.png", io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64))), purpose="assistants")
        store = client.vector_stores.create(file_ids=[f.id])
        vs_file = client.vector_stores.files.retrieve(f.id, vector_store_id=store.id)
        assert vs_file.status == "failed" and vs_file.last_error.code == "unsupported_file"
        assert client.vector_stores.retrieve(store.id).file_counts.failed == 1
        assert [x.id for x in client.vector_stores.files.list(store.id, filter="failed")] == [f.id]
        assert list(client.vector_stores.files.list(store.id, filter="completed")) == []


def test_update_list_paging_delete(server):
    with server.client(api_key=new_key()) as client:
        made = [client.vector_stores.create(name=f"s{i}") for i in range(5)]
        assert [s.id for s in client.vector_stores.list()] == [s.id for s in reversed(made)]
        page = client.vector_stores.list(order="asc", limit=2)
        assert [s.id for s in page.data] == [made[0].id, made[1].id] and page.has_more
        assert [s.id for s in client.vector_stores.list(order="asc", limit=2)] == [s.id for s in made]
        before = client.vector_stores.list(order="asc", before=made[3].id, limit=2)
        assert [s.id for s in before.data] == [made[1].id, made[2].id]
        updated = client.vector_stores.update(made[0].id, name="renamed", metadata={"k": "v"},
                                              expires_after={"anchor": "last_active_at", "days": 7})
        assert updated.name == "renamed" and updated.metadata == {"k": "v"}
        assert updated.expires_after.days == 7 and updated.expires_at == updated.last_active_at + 7 * 86400
        gone = client.vector_stores.delete(made[0].id)
        assert (gone.id, gone.object, gone.deleted) == (made[0].id, "vector_store.deleted", True)
        for call in (lambda: client.vector_stores.retrieve(made[0].id),
                     lambda: client.vector_stores.search(made[0].id, query="x")):
            with pytest.raises(openai.NotFoundError) as err:
                call()
            assert err.value.body["message"] == f"Vector store with id '{made[0].id}' not found."


def test_stores_and_their_files_are_per_key(library, server):
    client, store, files = library
    with server.client() as other:
        for call in (lambda: other.vector_stores.retrieve(store.id),
                     lambda: other.vector_stores.search(store.id, query="lava"),
                     lambda: other.vector_stores.files.list(store.id),
                     lambda: other.vector_stores.delete(store.id)):
            with pytest.raises(openai.NotFoundError):
                call()
        assert store.id not in [s.id for s in other.vector_stores.list()]
        with pytest.raises(openai.NotFoundError) as err:  # another key's file cannot be added to one's own store
            other.vector_stores.create(file_ids=[files["tides.txt"].id])
        assert err.value.body["param"] == "file_ids"
    assert client.vector_stores.retrieve(store.id).file_counts.completed == 3
