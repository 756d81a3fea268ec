"""Search over vector stores — the one search both `POST /v1/vector_stores/{id}/search` and the
`file_search` tool run — and the chunking that feeds it.

Chunks are windows of a file's tokens (the store's strategy: `auto` is 800 tokens with 400 of
overlap, the real defaults), cut in a thread. A query becomes its words less English stop words;
the store's full-text engine ranks the chunks holding them (store/search.py); a chunk's score,
in (0, 1], is mostly the share of the query's words it holds, the rest its rank (_scored);
`filters` on the files' attributes and `ranking_options.score_threshold` then apply, as the real
API's do. The query, the stores and the filters are bounded and checked the same way for the
search endpoint and the file_search tool.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import orjson

from responses_mock.backends.base import Passage
from responses_mock.errors import InvalidRequest, NotFound
from responses_mock.services import tokens
from responses_mock.store import search as search_store
from responses_mock.store import vector_stores as store_rows
from responses_mock.store.handle import Store
from responses_mock.wire import files as shapes

CHUNK_ENCODING = "o200k_base"
MAX_WORDS = 32  # words of one query the engine is asked for
# Bounds on what a caller's query costs (no public record of the real API's): a search endpoint's
# `query` holds at most MAX_QUERIES strings of at most MAX_QUERY_CHARS each; the words of a query
# (and of the question a file_search tool searches for) are read from its first SCAN_CHARS only.
MAX_QUERIES, MAX_QUERY_CHARS, SCAN_CHARS = 10, 4096, 4096
MAX_STORES = 2  # vector_store_ids of one file_search tool (the real API's bound)
CANDIDATES = 200  # chunks ranked per query before filters and the threshold cut them down
FILTERED_CANDIDATES = 1000  # more when filters may drop most of them
DEFAULT_RESULTS, MAX_RESULTS = 10, 50
COVERAGE_WEIGHT = 0.7  # of a score: the query's words the chunk holds; the rest is the engine's rank
SCORE_IN_THREAD = 64 << 10  # characters of candidate chunks past which scoring runs in a thread

_WORD = re.compile(r"[^\W_]+")  # as both engines split words: "zebra_port" is two
# Words too common to say what a question is about (the engine's IDF would give them little weight anyway).
STOP_WORDS = frozenset("""a about above after again all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours yourself yourselves tell please""".split())


@dataclass(frozen=True)
class Result:
    file_id: str
    filename: str
    score: float
    attributes: dict | None
    text: str
    vector_store_id: str

    def passage(self) -> Passage:
        return Passage(text=self.text, file_id=self.file_id, filename=self.filename, score=self.score,
                       attributes=self.attributes)


def chunk_text(text: str, size: int, overlap: int) -> list[str]:
    """Windows of `size` tokens, each starting `size - overlap` after the last (CPU-bound: a thread)."""
    enc = tokens.encoding(CHUNK_ENCODING)
    ids = enc.encode(text, disallowed_special=())
    if not ids:
        return []
    step = max(1, size - overlap)
    out = []
    for start in range(0, len(ids), step):
        out.append(enc.decode(ids[start:start + size]))
        if start + size >= len(ids):
            break
    return out


async def chunks_of(text: str, chunking: dict) -> list[str]:
    return await anyio.to_thread.run_sync(chunk_text, text, chunking["max_chunk_size_tokens"],
                                          chunking["chunk_overlap_tokens"])


def words(query: str) -> list[str]:
    """The words of a query to search for: lower case, without stop words (all of them if the
    query is nothing but), each once, at most MAX_WORDS, from its first SCAN_CHARS characters."""
    found = list(dict.fromkeys(w.lower() for w in _WORD.findall(query[:SCAN_CHARS])))
    kept = [w for w in found if w not in STOP_WORDS] or found
    return kept[:MAX_WORDS]


def matches(filters: dict | None, attributes: dict | None) -> bool:
    """Whether a file's attributes pass a ComparisonFilter or CompoundFilter."""
    if not filters:
        return True
    kind = filters.get("type")
    if kind in ("and", "or"):
        results = (matches(f, attributes) for f in filters.get("filters") or [])
        return all(results) if kind == "and" else any(results)
    value = (attributes or {}).get(filters["key"])
    wanted = filters["value"]
    if kind == "eq":
        return value == wanted
    if kind == "ne":
        return value != wanted
    if kind in ("in", "nin"):
        inside = isinstance(wanted, list) and value in wanted
        return inside if kind == "in" else not inside
    if value is None or isinstance(value, bool) or isinstance(wanted, bool):
        return False
    numeric = isinstance(value, (int, float)) and isinstance(wanted, (int, float))
    if not numeric and not (isinstance(value, str) and isinstance(wanted, str)):
        return False
    return {"gt": value > wanted, "gte": value >= wanted, "lt": value < wanted, "lte": value <= wanted}[kind]


def check_max_results(value: int | None, param: str) -> int:
    if value is None:
        return DEFAULT_RESULTS
    shapes.check_range(value, param, 1, MAX_RESULTS)
    return value


def check_threshold(ranking: dict | None, param: str) -> float | None:
    threshold = (ranking or {}).get("score_threshold")
    if threshold is not None and not 0 <= threshold <= 1:
        raise InvalidRequest(f"Invalid '{param}.score_threshold': expected a value between 0 and 1, but got "
                             f"{threshold} instead.", param=f"{param}.score_threshold", code="invalid_value")
    return threshold


def check_queries(query: str | Sequence[str], param: str = "query") -> list[str]:
    queries = [query] if isinstance(query, str) else list(query)
    shapes.check_length(queries, param, MAX_QUERIES)
    for i, q in enumerate(queries):
        shapes.check_string(q, param if isinstance(query, str) else f"{param}[{i}]", MAX_QUERY_CHARS)
    if not queries or not all(q.strip() for q in queries):
        raise InvalidRequest(f"Invalid '{param}': the query must not be empty.", param=param, code="invalid_value")
    return queries


def check_store_ids(store_ids: Sequence[str], param: str) -> list[str]:
    """Each once, at most MAX_STORES of them."""
    unique = list(dict.fromkeys(store_ids))
    shapes.check_length(unique, param, MAX_STORES)
    return unique


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):  # enough to meet the engines' stemming half way
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)]
    return word


def _holder(query_words: Sequence[str]) -> tuple[list[str], re.Pattern]:
    """The query's stems, and one pattern finding any of them as a word (a stem and at most three
    more letters: the suffixes _stem drops) — the text is scanned once, in C, not word by word."""
    stems = list(dict.fromkeys(_stem(w) for w in query_words))
    alternatives = "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True))
    return stems, re.compile(rf"\b({alternatives})[^\W_]{{0,3}}\b", re.IGNORECASE)


def coverage(query_words: Sequence[str], text: str, holder: tuple[list[str], re.Pattern] | None = None) -> float:
    """The share of the query's words the text holds (as their stems)."""
    if not query_words:
        return 0.0
    stems, pattern = holder or _holder(query_words)
    held = {m.lower() for m in pattern.findall(text)}
    return sum(s in held for s in stems) / len(stems)


def _scored(per_query: list[tuple[list[str], list[search_store.Hit]]]) -> list[tuple[search_store.Hit, float]]:
    """Each hit with its score in (0, 1]: COVERAGE_WEIGHT of the query words it holds, the rest its
    engine rank over the best rank of its query — so the two engines' ranks, on scales of their
    own (bm25's near zero when a word is in half the chunks), give comparable scores: a chunk
    that holds every word of the query scores at least 0.7, one that holds half at most 0.65."""
    out = []
    for query_words, hits in per_query:
        top = max((h.score for h in hits), default=0.0) or 1.0
        holder = _holder(query_words) if query_words else None
        for hit in hits:
            held = coverage(query_words, hit.text, holder)
            blended = COVERAGE_WEIGHT * held + (1 - COVERAGE_WEIGHT) * hit.score / top
            out.append((hit, max(min(blended, 1.0), 1e-6)))
    return out


def store_not_found(store_id: str) -> NotFound:
    return NotFound(f"Vector store with id '{store_id}' not found.")


async def search(store: Store, tenant: str, store_ids: Sequence[str], queries: Sequence[str], *,
                 max_num_results: int = DEFAULT_RESULTS, filters: dict | None = None,
                 score_threshold: float | None = None, param: str = "vector_store_id") -> list[Result]:
    """The best chunks of the caller's stores for the queries (a chunk once, at its best score).
    The stores must be live (an expired one is refused); searching them makes them active."""
    store_ids = check_store_ids(store_ids, param)
    pool = FILTERED_CANDIDATES if filters else CANDIDATES
    now = int(time.time())
    async with store.connect() as conn:
        found = await store_rows.get_many(conn, tenant, store_ids)
        for store_id in store_ids:
            if store_id not in found:
                raise NotFound(store_not_found(store_id).message, param=param)
            check_live(found[store_id], now, param)
        per_query = []
        for query in queries:
            query_words = words(query)
            per_query.append((query_words, await search_store.search(conn, store_ids, query_words, pool)))
    await touch(store, [s for s in store_ids if found[s].last_active_at < now], now)
    size = sum(len(h.text) for _, hits in per_query for h in hits)
    scored = await anyio.to_thread.run_sync(_scored, per_query) if size > SCORE_IN_THREAD else _scored(per_query)
    best: dict[tuple[str, str, str], tuple[search_store.Hit, float]] = {}
    for hit, score in scored:
        key = (hit.vector_store_id, hit.file_id, hit.text)
        if key not in best or score > best[key][1]:
            best[key] = (hit, score)
    ranked = sorted(best.values(), key=lambda pair: -pair[1])
    async with store.connect() as conn:
        about = await store_rows.attributes_of(conn, sorted({(h.vector_store_id, h.file_id) for h, _ in ranked}))
    out = []
    for hit, raw in ranked:
        attributes_json, filename = about.get((hit.vector_store_id, hit.file_id), (None, None))
        if filename is None:  # the file left the store between the two reads
            continue
        attributes = orjson.loads(attributes_json) if attributes_json else None
        score = round(raw, 6)  # as reported: the threshold applies to the score the caller sees
        if not matches(filters, attributes) or (score_threshold is not None and score < score_threshold):
            continue
        out.append(Result(hit.file_id, filename, score, attributes or None, hit.text, hit.vector_store_id))
        if len(out) == max_num_results:
            break
    return out


def check_live(row: store_rows.StoreRow, now: int, param: str | None = None) -> None:
    # No public record of the real wording: the docs say an expired store can no longer be used
    # and is to be recreated from its files.
    if shapes.store_expired(row.last_active_at, row.expires_days, now):
        raise InvalidRequest(f"Vector store '{row.id}' has expired and can no longer be used; create a new vector "
                             "store with its files.", param=param, code="vector_store_expired")


async def touch(store: Store, store_ids: Sequence[str], now: int) -> None:
    """The stores were used now (their last_active_at, from which expiry counts)."""
    if store_ids:
        async with store.begin() as conn:
            await store_rows.touch(conn, store_ids, now)


async def for_tool(store: Store, tenant: str, tool: dict, query: str, index: int) -> tuple[Passage, ...]:
    """A `file_search` tool's results for this turn's question (services run it before the model),
    checked as the search endpoint checks its own parameters."""
    param = f"tools[{index}]"
    store_ids = check_store_ids(tool.get("vector_store_ids") or [], f"{param}.vector_store_ids")
    limit = check_max_results(tool.get("max_num_results"), f"{param}.max_num_results")
    threshold = check_threshold(tool.get("ranking_options"), f"{param}.ranking_options")
    shapes.check_filters(tool.get("filters"), f"{param}.filters")
    results = await search(store, tenant, store_ids, [query], max_num_results=limit, filters=tool.get("filters"),
                           score_threshold=threshold, param=f"{param}.vector_store_ids")
    return tuple(r.passage() for r in results)
