"""Chunking, query words and attribute filters of vector store search (services/search.py)."""

from __future__ import annotations

import pytest

from responses_mock.errors import InvalidRequest
from responses_mock.services import search, tokens
from responses_mock.store import search as search_store


def test_chunks_are_windows_of_tokens_with_overlap():
    text = " ".join(f"w{i}" for i in range(3000))
    ids = tokens.encoding(search.CHUNK_ENCODING).encode(text)
    chunks = search.chunk_text(text, 800, 400)
    enc = tokens.encoding(search.CHUNK_ENCODING)
    assert [len(enc.encode(c)) for c in chunks[:-1]] == [800] * (len(chunks) - 1)
    assert len(chunks) == -(-(len(ids) - 800) // 400) + 1  # a window every 400 tokens until the end is in one
    assert enc.encode(chunks[1])[:400] == enc.encode(chunks[0])[400:]  # 400 tokens of overlap
    assert chunks[-1].endswith("w2999")


def test_short_and_empty_texts():
    assert search.chunk_text("just a line", 800, 400) == ["just a line"]
    assert search.chunk_text("", 800, 400) == []
    assert search.chunk_text("a b c d e f g h", 4, 0) == ["a b c d", " e f g h"]


def test_query_words_drop_stop_words_and_repeats():
    assert search.words("What is the secret word in the FILE? the file!") == ["secret", "word", "file"]
    assert search.words("what is it") == ["what", "is", "it"]  # nothing but stop words: keep them
    assert len(search.words(" ".join(f"x{i}" for i in range(100)))) == search.MAX_WORDS


ATTRS = {"topic": "sea", "year": 2024, "draft": False}


@pytest.mark.parametrize("flt, expected", [
    (None, True),
    ({"type": "eq", "key": "topic", "value": "sea"}, True),
    ({"type": "ne", "key": "topic", "value": "sea"}, False),
    ({"type": "gt", "key": "year", "value": 2023}, True),
    ({"type": "lte", "key": "year", "value": 2023}, False),
    ({"type": "gte", "key": "topic", "value": 3}, False),  # a string is not compared with a number
    ({"type": "in", "key": "topic", "value": ["land", "sea"]}, True),
    ({"type": "nin", "key": "topic", "value": ["land", "sea"]}, False),
    ({"type": "eq", "key": "draft", "value": False}, True),
    ({"type": "eq", "key": "missing", "value": "x"}, False),
    ({"type": "and", "filters": [{"type": "eq", "key": "topic", "value": "sea"},
                                 {"type": "lt", "key": "year", "value": 2000}]}, False),
    ({"type": "or", "filters": [{"type": "eq", "key": "topic", "value": "land"},
                                {"type": "and", "filters": [{"type": "gte", "key": "year", "value": 2024}]}]}, True),
])
def test_filters_on_attributes(flt, expected):
    assert search.matches(flt, ATTRS) is expected


def test_max_num_results_bounds():
    assert search.check_max_results(None, "p") == 10
    assert search.check_max_results(50, "p") == 50
    with pytest.raises(Exception) as err:
        search.check_max_results(0, "tools[0].max_num_results")
    assert err.value.param == "tools[0].max_num_results"


def test_words_are_read_from_a_bounded_prefix():
    assert search.words("zebra " + " " * search.SCAN_CHARS + "quokka") == ["zebra"]


def test_scores_say_how_much_of_the_query_a_chunk_holds():
    hits = [search_store.Hit("vs", "f1", "The zebra protocol listens on port 4242.", 1e-6),
            search_store.Hit("vs", "f2", "A zebra grazes.", 5e-7)]
    scored = dict((h.file_id, s) for h, s in search._scored([(search.words("zebra protocol ports"), hits)]))
    assert scored["f1"] == pytest.approx(1.0)  # every word (ports ~ port), the best rank: near-zero bm25 or not
    assert 0 < scored["f2"] < 0.5 < scored["f1"]
    assert search.coverage(["running", "dogs"], "The dog runs.") == 0.5  # stems meet half way; "runs" ≠ "running"


def test_tool_and_endpoint_bounds():
    assert search.check_store_ids(["vs_a"] * 40_000, "p") == ["vs_a"]
    with pytest.raises(InvalidRequest) as err:
        search.check_store_ids(["vs_a", "vs_b", "vs_c"], "tools[0].vector_store_ids")
    assert (err.value.param, err.value.code) == ("tools[0].vector_store_ids", "array_above_max_length")
    with pytest.raises(InvalidRequest) as err:
        search.check_threshold({"score_threshold": -0.1}, "tools[1].ranking_options")
    assert err.value.param == "tools[1].ranking_options.score_threshold"
    assert search.check_queries("a") == ["a"]
    with pytest.raises(InvalidRequest) as err:
        search.check_queries(["a"] * (search.MAX_QUERIES + 1))
    assert err.value.code == "array_above_max_length"
    with pytest.raises(InvalidRequest) as err:
        search.check_max_results(51, "max_num_results")
    assert err.value.code == "integer_above_max_value"
