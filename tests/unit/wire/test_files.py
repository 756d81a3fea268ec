"""Every object the Files, Uploads and Vector stores APIs answer with matches the official schema
(tests/spec), as built by wire/files.py; request checks word their errors as the real API."""

from __future__ import annotations

import pytest

from responses_mock.errors import InvalidRequest
from responses_mock.wire import files as shapes
from responses_mock.wire import requests
from tests import spec_check


def valid(schema: str, obj: dict) -> None:
    errors = list(spec_check.validator(schema).iter_errors(obj))
    assert not errors, [e.message for e in errors]


FILE = shapes.file_object("file-abc", bytes=12, created_at=1_800_000_000, filename="a.txt", purpose="user_data",
                          expires_at=None)


def test_objects_match_the_spec():
    valid("OpenAIFile", FILE)
    valid("OpenAIFile", shapes.file_object("file-b", bytes=1, created_at=1, filename="b", purpose="batch",
                                           expires_at=2))
    valid("ListFilesResponse", shapes.page([FILE], has_more=False))
    valid("DeleteFileResponse", shapes.deleted("file-abc", "file"))
    valid("Upload", shapes.upload("upload_1", bytes=3, created_at=1, expires_at=3601, filename="x", purpose="user_data",
                                  status="pending", file=None))
    valid("Upload", shapes.upload("upload_1", bytes=3, created_at=1, expires_at=3601, filename="x", purpose="user_data",
                                  status="completed", file=FILE))
    valid("UploadPart", shapes.upload_part("part_1", 1, "upload_1"))
    counts = shapes.file_counts({"completed": 2, "failed": 1})
    assert counts == {"in_progress": 0, "completed": 2, "failed": 1, "cancelled": 0, "total": 3}
    store = shapes.vector_store("vs_1", created_at=1, name="n", metadata={}, usage_bytes=5, counts=counts,
                                last_active_at=10, expires_days=None)
    valid("VectorStoreObject", store)
    assert store["status"] == "completed" and store["expires_at"] is None
    expiring = shapes.vector_store("vs_2", created_at=1, name="", metadata={"k": "v"}, usage_bytes=0,
                                   counts=shapes.file_counts({"in_progress": 1}), last_active_at=10, expires_days=3)
    valid("VectorStoreObject", expiring)
    assert expiring["status"] == "expired" and expiring["expires_at"] == 10 + 3 * 86400  # long past
    valid("ListVectorStoresResponse", shapes.page([store], has_more=True))
    valid("DeleteVectorStoreResponse", shapes.deleted("vs_1", "vector_store.deleted"))
    vs_file = shapes.vector_store_file("file-abc", vector_store_id="vs_1", created_at=1, status="completed",
                                       usage_bytes=12, attributes={"a": 1, "b": "x", "c": True},
                                       chunking=shapes.chunking(None), last_error=None)
    valid("VectorStoreFileObject", vs_file)
    valid("VectorStoreFileObject", {**vs_file, "status": "failed", "attributes": None,
                                    "last_error": {"code": "unsupported_file", "message": "no text"}})
    valid("ListVectorStoreFilesResponse", shapes.page([vs_file], has_more=False))
    valid("DeleteVectorStoreFileResponse", shapes.deleted("file-abc", "vector_store.file.deleted"))
    valid("VectorStoreFileBatchObject", shapes.file_batch("vsfb_1", vector_store_id="vs_1", created_at=1,
                                                          status="in_progress", counts=counts))
    valid("VectorStoreSearchResultsPage", shapes.search_page(["q"], [
        shapes.search_result("file-abc", "a.txt", 0.5, None, "text"),
        shapes.search_result("file-abc", "a.txt", 0.25, {"k": "v"}, "more")]))
    valid("VectorStoreFileContentResponse", shapes.file_content_page("hello"))


def test_chunking_defaults_and_bounds():
    assert shapes.chunking({"type": "auto"}) == {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}
    assert shapes.chunking({"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50}})
    for size, overlap, param in ((99, 0, "max_chunk_size_tokens"), (4097, 0, "max_chunk_size_tokens"),
                                 (400, 201, "chunk_overlap_tokens")):
        with pytest.raises(InvalidRequest) as err:
            shapes.chunking({"type": "static", "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}})
        assert err.value.param == f"chunking_strategy.static.{param}"


def test_request_bodies_are_checked_strictly():
    with pytest.raises(InvalidRequest) as err:
        shapes.validate(shapes.VECTOR_STORE_CREATE, {"name": "x", "bogus": 1})
    assert err.value.param == "bogus"
    with pytest.raises(InvalidRequest) as err:
        shapes.validate(shapes.SEARCH, {"query": "x", "max_num_results": "5"})
    assert err.value.param == "max_num_results"
    assert shapes.validate(shapes.VECTOR_STORE_FILE_UPDATE, {"attributes": {"year": 2024}}) == {
        "attributes": {"year": 2024}}  # numbers as sent, not made floats
    with pytest.raises(InvalidRequest) as err:
        shapes.check_attributes({f"k{i}": "v" for i in range(17)})
    assert err.value.code == "object_above_max_properties"
    with pytest.raises(InvalidRequest) as err:
        shapes.purpose("nonsense")
    assert err.value.param == "purpose" and "'user_data'" in err.value.message


@pytest.mark.parametrize("flt, param", [
    ({"type": "eq", "value": 1}, "filters.key"),
    ({"key": "a", "value": 1}, "filters.type"),
    ({"type": "zz", "key": "a", "value": 1}, "filters.type"),
    ({"type": "eq", "key": 3, "value": 1}, "filters.key"),
    ({"type": "and"}, "filters.filters"),
    ({"type": "or", "filters": [{"type": "eq", "key": "a", "value": 1}, {"type": "in", "key": "b"}]},
     "filters.filters[1].value"),
    ({"type": "and", "filters": [{"type": "or", "filters": ["x"]}]}, "filters.filters[0].filters[0]"),
])
def test_filters_are_checked_to_the_leaves(flt, param):
    with pytest.raises(InvalidRequest) as err:
        shapes.check_filters(flt)
    assert err.value.param == param
    shapes.check_filters({"type": "and", "filters": [{"type": "eq", "key": "a", "value": 1},
                                                     {"type": "or", "filters": [{"type": "nin", "key": "b",
                                                                                 "value": [1, 2]}]}]})
    deep = {"type": "eq", "key": "a", "value": 1}
    for _ in range(shapes.MAX_FILTER_NODES):
        deep = {"type": "and", "filters": [deep]}
    with pytest.raises(InvalidRequest):
        shapes.check_filters(deep)


def test_a_tool_filter_is_worded_as_the_endpoints():
    """A file_search tool's filter is judged by its `type` inside the tool's own union (wire/wording.py)."""
    for flt, param, message in (
            ({"type": "eq", "value": 3}, "tools[0].filters.key", "Missing required parameter: 'tools[0].filters.key'."),
            ({"type": "zz", "key": "a", "value": 1}, "tools[0].filters.type", "Invalid value: 'zz'. Supported values "
             "are: 'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'and', and 'or'.")):
        with pytest.raises(InvalidRequest) as err:
            requests.create_params({"model": "gpt-4.1", "input": "x", "tools": [
                {"type": "file_search", "vector_store_ids": ["vs_1"], "filters": flt}]})
        assert (err.value.param, err.value.message) == (param, message)
        with pytest.raises(InvalidRequest) as err:
            shapes.validate(shapes.SEARCH, {"query": "x", "filters": flt})
        assert err.value.param == param.removeprefix("tools[0].")


def test_filenames_lose_control_characters_and_are_bounded():
    assert shapes.filename("a\r\nb\x00c\x7f.txt") == "abc.txt"
    assert shapes.filename("résumé.txt") == "résumé.txt"
    with pytest.raises(InvalidRequest) as err:
        shapes.filename("x" * (shapes.MAX_FILENAME + 1))
    assert (err.value.param, err.value.code) == ("filename", "string_above_max_length")
