"""Chunks of vector store files, searched by the store's own full-text engine: SQLite's FTS5
(bm25, porter stemming) or Postgres's text search (ts_rank over to_tsvector('english', …), its
GIN index). Both take the query's words OR-ed, so a question matches the chunks that hold any of
its words, ranked by how well; each engine's rank is mapped into [0, 1) (services/search.py
turns it, with how much of the query a chunk holds, into the score the API reports)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from sqlalchemy import bindparam, delete, text
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store.tables import chunks

BATCH = 16  # chunks per INSERT (~50 KB of text, and its FTS5 indexing): the loop gets a turn between batches

_SQLITE = ("SELECT c.vector_store_id, c.file_id, c.text, bm25(chunks_fts) AS rank "
           "FROM chunks_fts JOIN chunks c ON c.seq = chunks_fts.rowid "
           "WHERE chunks_fts MATCH ? AND c.vector_store_id IN ({stores}) ORDER BY rank LIMIT ?")
_POSTGRES = text(
    "SELECT vector_store_id, file_id, text, ts_rank(to_tsvector('english', text), q, 32) AS rank "
    "FROM chunks, to_tsquery('english', :match) AS q "
    "WHERE vector_store_id IN :stores AND to_tsvector('english', text) @@ q "
    "ORDER BY rank DESC, seq LIMIT :limit").bindparams(bindparam("stores", expanding=True))


@dataclass(frozen=True)
class Hit:
    vector_store_id: str
    file_id: str
    text: str
    score: float  # the engine's rank in [0, 1): higher is better, on a scale of the engine's own


def _sqlite_rows(path: str, match: str, store_ids: list[str], limit: int) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        sql = _SQLITE.format(stores=",".join("?" * len(store_ids)))
        return db.execute(sql, [match, *store_ids, limit]).fetchall()
    finally:
        db.close()


async def add_chunks(conn: AsyncConnection, store_id: str, file_id: str, texts: Sequence[str], first: int = 0) -> None:
    """The chunks at positions first, first + 1, …"""
    rows = [{"vector_store_id": store_id, "file_id": file_id, "position": first + i, "text": t}
            for i, t in enumerate(texts)]
    for start in range(0, len(rows), BATCH):
        await conn.execute(chunks.insert(), rows[start:start + BATCH])
        await asyncio.sleep(0)


async def remove_chunks(conn: AsyncConnection, store_id: str, file_id: str) -> None:
    await conn.execute(delete(chunks).where(chunks.c.vector_store_id == store_id, chunks.c.file_id == file_id))


async def search(conn: AsyncConnection, store_ids: Sequence[str], words: Sequence[str], limit: int) -> list[Hit]:
    """The best `limit` chunks of the stores holding any of `words` (plain word characters), best first."""
    if not words or not store_ids:
        return []
    if conn.dialect.name == "sqlite":
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        # Ranking every matching chunk is work in proportion to the store: in a thread, on a
        # connection of its own (the server's SQLite connections run inline on the event loop;
        # a WAL reader never waits for writers).
        rows = await anyio.to_thread.run_sync(_sqlite_rows, conn.engine.url.database, match, list(store_ids), limit)
        # bm25 is negative, lower better: -bm25 / (1 - bm25) maps it into [0, 1), order kept.
        return [Hit(s, f, t, -r / (1 - r) if r < 0 else 0.0) for s, f, t, r in rows]
    match = " | ".join(words)
    rows = await conn.execute(_POSTGRES, {"match": match, "stores": list(store_ids), "limit": limit})
    return [Hit(s, f, t, float(r)) for s, f, t, r in rows]  # normalisation 32: rank / (rank + 1)
