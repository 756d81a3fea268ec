"""Queries on vector stores, their files and file batches; every read is scoped to the tenant
(a store's files and batches through the store's own row). Chunks: store/search.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store.files import page
from responses_mock.store.tables import (
    chunks,
    files,
    vector_store_batches,
    vector_store_files,
    vector_stores,
)


@dataclass(frozen=True)
class StoreRow:
    id: str
    created_at: int
    name: str
    description: str | None
    metadata: str
    expires_days: int | None
    last_active_at: int


@dataclass(frozen=True)
class StoreFileRow:
    file_id: str
    vector_store_id: str
    batch_id: str | None
    created_at: int
    status: str
    usage_bytes: int
    attributes: str
    chunking: str
    last_error: str | None


_STORE = (vector_stores.c.id, vector_stores.c.created_at, vector_stores.c.name, vector_stores.c.description,
          vector_stores.c.metadata, vector_stores.c.expires_days, vector_stores.c.last_active_at)
_FILE = (vector_store_files.c.file_id, vector_store_files.c.vector_store_id, vector_store_files.c.batch_id,
         vector_store_files.c.created_at, vector_store_files.c.status, vector_store_files.c.usage_bytes,
         vector_store_files.c.attributes, vector_store_files.c.chunking, vector_store_files.c.last_error)


async def insert(conn: AsyncConnection, tenant: str, row: StoreRow) -> None:
    await conn.execute(vector_stores.insert(), {"tenant": tenant, **row.__dict__})


async def get(conn: AsyncConnection, tenant: str, store_id: str) -> StoreRow | None:
    row = (await conn.execute(select(*_STORE).where(vector_stores.c.id == store_id,
                                                    vector_stores.c.tenant == tenant))).first()
    return None if row is None else StoreRow(*row)


async def get_many(conn: AsyncConnection, tenant: str, store_ids: Sequence[str]) -> dict[str, StoreRow]:
    rows = await conn.execute(select(*_STORE).where(vector_stores.c.tenant == tenant,
                                                    vector_stores.c.id.in_(list(store_ids))))
    return {r[0]: StoreRow(*r) for r in rows}


async def key(conn: AsyncConnection, tenant: str, store_id: str) -> tuple | None:
    row = (await conn.execute(select(vector_stores.c.created_at, vector_stores.c.id).where(
        vector_stores.c.id == store_id, vector_stores.c.tenant == tenant))).first()
    return None if row is None else tuple(row)


async def page_stores(conn: AsyncConnection, tenant: str, *, limit: int, descending: bool, after: tuple | None,
                      before: tuple | None) -> list[StoreRow]:
    rows = await page(conn, vector_stores, [vector_stores.c.tenant == tenant],
                      (vector_stores.c.created_at, vector_stores.c.id), limit=limit, descending=descending,
                      after=after, before=before, columns=_STORE)
    return [StoreRow(*r) for r in rows]


async def update_store(conn: AsyncConnection, tenant: str, store_id: str, values: dict) -> bool:
    result = await conn.execute(update(vector_stores).where(vector_stores.c.id == store_id,
                                                            vector_stores.c.tenant == tenant).values(**values))
    return result.rowcount > 0


async def touch(conn: AsyncConnection, store_ids: Sequence[str], now: int) -> None:
    """last_active_at moves forward only (two requests may touch in either order)."""
    await conn.execute(update(vector_stores).where(vector_stores.c.id.in_(list(store_ids)),
                                                   vector_stores.c.last_active_at < now).values(last_active_at=now))


async def remove(conn: AsyncConnection, tenant: str, store_id: str) -> bool:
    gone = await conn.execute(delete(vector_stores).where(vector_stores.c.id == store_id,
                                                          vector_stores.c.tenant == tenant))
    if gone.rowcount == 0:
        return False
    await conn.execute(delete(chunks).where(chunks.c.vector_store_id == store_id))
    await conn.execute(delete(vector_store_files).where(vector_store_files.c.vector_store_id == store_id))
    await conn.execute(delete(vector_store_batches).where(vector_store_batches.c.vector_store_id == store_id))
    return True


async def counts(conn: AsyncConnection, store_id: str, batch_id: str | None = None) -> tuple[dict[str, int], int]:
    """Files by status, and the bytes they use, of a store (or of one of its batches)."""
    where = [vector_store_files.c.vector_store_id == store_id]
    if batch_id is not None:
        where.append(vector_store_files.c.batch_id == batch_id)
    rows = await conn.execute(select(vector_store_files.c.status, func.count(),
                                     func.coalesce(func.sum(vector_store_files.c.usage_bytes), 0))
                              .where(*where).group_by(vector_store_files.c.status))
    found, used = {}, 0
    for status, n, size in rows:
        found[status] = n
        used += int(size)
    return found, used


# -- a store's files -------------------------------------------------------------------------

async def add_file(conn: AsyncConnection, row: StoreFileRow) -> None:
    """Add or replace (adding a file again re-indexes it, as the real API's)."""
    await conn.execute(delete(vector_store_files).where(vector_store_files.c.vector_store_id == row.vector_store_id,
                                                        vector_store_files.c.file_id == row.file_id))
    await conn.execute(vector_store_files.insert(), row.__dict__)


async def set_file(conn: AsyncConnection, store_id: str, file_id: str, **values) -> bool:
    result = await conn.execute(update(vector_store_files).where(
        vector_store_files.c.vector_store_id == store_id, vector_store_files.c.file_id == file_id).values(**values))
    return result.rowcount > 0


async def get_file(conn: AsyncConnection, store_id: str, file_id: str) -> StoreFileRow | None:
    row = (await conn.execute(select(*_FILE).where(vector_store_files.c.vector_store_id == store_id,
                                                   vector_store_files.c.file_id == file_id))).first()
    return None if row is None else StoreFileRow(*row)


async def file_key(conn: AsyncConnection, store_id: str, file_id: str) -> tuple | None:
    row = (await conn.execute(select(vector_store_files.c.seq).where(
        vector_store_files.c.vector_store_id == store_id, vector_store_files.c.file_id == file_id))).first()
    return None if row is None else tuple(row)


async def page_files(conn: AsyncConnection, store_id: str, *, batch_id: str | None, status: str | None, limit: int,
                     descending: bool, after: tuple | None, before: tuple | None) -> list[StoreFileRow]:
    where = [vector_store_files.c.vector_store_id == store_id]
    if batch_id is not None:
        where.append(vector_store_files.c.batch_id == batch_id)
    if status is not None:
        where.append(vector_store_files.c.status == status)
    rows = await page(conn, vector_store_files, where, (vector_store_files.c.seq,), limit=limit,
                      descending=descending, after=after, before=before, columns=_FILE)
    return [StoreFileRow(*r) for r in rows]


async def remove_file(conn: AsyncConnection, store_id: str, file_id: str) -> bool:
    gone = await conn.execute(delete(vector_store_files).where(vector_store_files.c.vector_store_id == store_id,
                                                               vector_store_files.c.file_id == file_id))
    if gone.rowcount == 0:
        return False
    await conn.execute(delete(chunks).where(chunks.c.vector_store_id == store_id, chunks.c.file_id == file_id))
    return True


async def attributes_of(conn: AsyncConnection, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """(attributes JSON, filename) of (store, file) pairs: what a search result reports."""
    if not pairs:
        return {}
    stores = sorted({s for s, _ in pairs})
    file_ids = sorted({f for _, f in pairs})
    rows = await conn.execute(
        select(vector_store_files.c.vector_store_id, vector_store_files.c.file_id, vector_store_files.c.attributes,
               files.c.filename)
        .join(files, files.c.id == vector_store_files.c.file_id)
        .where(vector_store_files.c.vector_store_id.in_(stores), vector_store_files.c.file_id.in_(file_ids)))
    return {(s, f): (attributes, filename) for s, f, attributes, filename in rows}


# -- batches ---------------------------------------------------------------------------------

async def insert_batch(conn: AsyncConnection, batch_id: str, store_id: str, created_at: int, status: str) -> None:
    await conn.execute(vector_store_batches.insert(), {"id": batch_id, "vector_store_id": store_id,
                                                       "created_at": created_at, "status": status})


async def get_batch(conn: AsyncConnection, store_id: str, batch_id: str) -> tuple[int, str] | None:
    row = (await conn.execute(select(vector_store_batches.c.created_at, vector_store_batches.c.status).where(
        vector_store_batches.c.id == batch_id, vector_store_batches.c.vector_store_id == store_id))).first()
    return None if row is None else tuple(row)


async def set_batch(conn: AsyncConnection, batch_id: str, status: str) -> None:
    await conn.execute(update(vector_store_batches).where(vector_store_batches.c.id == batch_id).values(status=status))
