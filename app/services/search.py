"""Search over vector stores — the one search both `POST /v1/vector_stores/{id}/search` and the
`file_search` tool run — and the chunking that feeds it.

Chunks are windows of a file's tokens (the store's strategy: `auto` is 800 tokens with 400 of
overlap, the real defaults), cut in a thread. A query becomes its words less English stop words;
the store's full-text engine ranks the chunks holding them (store/search.py); `filters` on the
files' attributes and `ranking_options.score_threshold` then apply, as the real API's do.
"""

from __future__ import annotations

import re
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

CHUNK_ENCODING = "o200k_base"
MAX_WORDS = 32  # words of one query the engine is asked for
CANDIDATES = 200  # chunks ranked per query before filters and the threshold cut them down
FILTERED_CANDIDATES = 1000  # more when filters may drop most of them
DEFAULT_RESULTS, MAX_RESULTS = 10, 50

_WORD = re.compile(r"\w+")
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
    query is nothing but), each once, at most MAX_WORDS."""
    found = list(dict.fromkeys(w.lower() for w in _WORD.findall(query)))
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
    if not 1 <= value <= MAX_RESULTS:
        raise InvalidRequest(f"Invalid '{param}': max_num_results must be between 1 and {MAX_RESULTS}, but got "
                             f"{value} instead.", param=param, code="invalid_value")
    return value


def store_not_found(store_id: str) -> NotFound:
    return NotFound(f"Vector store with id '{store_id}' not found.")


async def search(store: Store, tenant: str, store_ids: Sequence[str], queries: Sequence[str], *,
                 max_num_results: int = DEFAULT_RESULTS, filters: dict | None = None,
                 score_threshold: float | None = None, param: str = "vector_store_id") -> list[Result]:
    """The best chunks of the caller's stores for the queries (a chunk once, at its best score)."""
    pool = FILTERED_CANDIDATES if filters else CANDIDATES
    best: dict[tuple[str, str, str], search_store.Hit] = {}
    async with store.connect() as conn:
        found = await store_rows.existing(conn, tenant, store_ids)
        for store_id in store_ids:
            if store_id not in found:
                raise NotFound(store_not_found(store_id).message, param=param)
        for query in queries:
            for hit in await search_store.search(conn, list(store_ids), words(query), pool):
                key = (hit.vector_store_id, hit.file_id, hit.text)
                if key not in best or hit.score > best[key].score:
                    best[key] = hit
        ranked = sorted(best.values(), key=lambda h: -h.score)
        about = await store_rows.attributes_of(conn, sorted({(h.vector_store_id, h.file_id) for h in ranked}))
    out = []
    for hit in ranked:
        attributes_json, filename = about.get((hit.vector_store_id, hit.file_id), (None, None))
        if filename is None:  # the file left the store between the two reads
            continue
        attributes = orjson.loads(attributes_json) if attributes_json else None
        score = round(hit.score, 6)  # as reported: the threshold applies to the score the caller sees
        if not matches(filters, attributes) or (score_threshold is not None and score < score_threshold):
            continue
        out.append(Result(hit.file_id, filename, score, attributes or None, hit.text, hit.vector_store_id))
        if len(out) == max_num_results:
            break
    return out


async def for_tool(store: Store, tenant: str, tool: dict, query: str, index: int) -> tuple[Passage, ...]:
    """A `file_search` tool's results for this turn's question (services run it before the model)."""
    param = f"tools[{index}]"
    store_ids = list(tool.get("vector_store_ids") or [])
    limit = check_max_results(tool.get("max_num_results"), f"{param}.max_num_results")
    ranking = tool.get("ranking_options") or {}
    results = await search(store, tenant, store_ids, [query], max_num_results=limit, filters=tool.get("filters"),
                           score_threshold=ranking.get("score_threshold"), param=f"{param}.vector_store_ids")
    return tuple(r.passage() for r in results)
