"""Queries on files, their bytes and uploads; every read is scoped to the tenant.

A file's bytes are rows of file_blobs, PIECE bytes each, written and read one at a time: on
SQLite the driver runs inline on the event loop, and no statement may hold it for a 64 MiB blob.
An upload's parts keep their bytes the same way under the part's id; completing the upload
renumbers them under the file's id (no byte is copied).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from responses_mock.store.tables import chunks, file_blobs, files, upload_parts, uploads, vector_store_files

PIECE = 1 << 20  # bytes of one file_blobs row


@dataclass(frozen=True)
class FileRow:
    id: str
    created_at: int
    expires_at: int | None
    filename: str
    purpose: str
    mime_type: str
    bytes: int
    text: str | None
    pages: int | None


_FILE_COLUMNS = (files.c.id, files.c.created_at, files.c.expires_at, files.c.filename, files.c.purpose,
                 files.c.mime_type, files.c.bytes, files.c.text, files.c.pages)
_FILE_META = _FILE_COLUMNS[:7]  # without the text: what a listing needs


def _file(row, with_text: bool = True) -> FileRow:
    values = tuple(row)
    return FileRow(*values) if with_text else FileRow(*values, None, None)


async def insert_file(conn: AsyncConnection, tenant: str, row: FileRow) -> None:
    await conn.execute(files.insert(), {"tenant": tenant, **row.__dict__})


async def write_blob(conn: AsyncConnection, owner_id: str, data: bytes | memoryview, first_seq: int = 0) -> int:
    """The bytes as PIECE-sized rows from `first_seq`; the loop gets a turn between them. Returns
    the next free seq."""
    view = memoryview(data)
    seq = first_seq
    for start in range(0, len(view), PIECE):
        await conn.execute(file_blobs.insert(), {"owner_id": owner_id, "seq": seq,
                                                 "data": bytes(view[start:start + PIECE])})
        seq += 1
        await asyncio.sleep(0)
    return seq


async def blob_pieces(store_connect, owner_id: str) -> AsyncIterator[bytes]:
    """The bytes in order, a piece a read (a connection per piece: a slow reader holds none)."""
    seq = 0
    while True:
        async with store_connect() as conn:
            piece = (await conn.execute(select(file_blobs.c.data).where(
                file_blobs.c.owner_id == owner_id, file_blobs.c.seq == seq))).scalar_one_or_none()
        if piece is None:
            return
        yield bytes(piece)
        seq += 1


async def get_file(conn: AsyncConnection, tenant: str, file_id: str, now: int) -> FileRow | None:
    """A live file of the tenant's, without its text."""
    row = (await conn.execute(select(*_FILE_META).where(files.c.id == file_id, files.c.tenant == tenant,
                                                        _live(now)))).first()
    return None if row is None else _file(row, with_text=False)


async def get_files(conn: AsyncConnection, tenant: str, file_ids: Sequence[str], now: int, *,
                    with_text: bool = True) -> dict[str, FileRow]:
    """The live files among `file_ids` (with their text unless told), by id."""
    if not file_ids:
        return {}
    rows = await conn.execute(select(*(_FILE_COLUMNS if with_text else _FILE_META)).where(
        files.c.tenant == tenant, files.c.id.in_(list(file_ids)), _live(now)))
    return {r[0]: _file(r, with_text) for r in rows}


def _live(now: int) -> ColumnElement[bool]:
    return or_(files.c.expires_at.is_(None), files.c.expires_at > now)


async def page(conn: AsyncConnection, table: Table, conditions: list, order: Sequence, *, limit: int,
               descending: bool, after: Sequence | None, before: Sequence | None, columns: Sequence) -> list:
    """Up to limit + 1 rows of `table` in keyset order (`order`: its key columns, unique together);
    `after`/`before`: the key of the cursor's row."""
    query = select(*columns).where(*conditions)
    for cursor, forward in ((after, True), (before, False)):
        if cursor is not None:
            later = forward != descending  # past the cursor in the listing's own direction
            query = query.where(_beyond(order, cursor, later))
    if before is not None and after is None:  # the page just before the cursor: read backwards, then flip
        query = query.order_by(*[c.asc() if descending else c.desc() for c in order]).limit(limit + 1)
        rows = list(await conn.execute(query))
        return rows[::-1] if len(rows) <= limit else rows[:limit][::-1] + [rows[limit]]
    query = query.order_by(*[c.desc() if descending else c.asc() for c in order]).limit(limit + 1)
    return list(await conn.execute(query))


def _beyond(order: Sequence, key: Sequence, greater: bool) -> ColumnElement[bool]:
    """(order) > key, or < key: a row comparison written out (SQLite and Postgres alike)."""
    clauses = []
    for i, column in enumerate(order):
        tie = [order[j] == key[j] for j in range(i)]
        clauses.append(and_(*tie, column > key[i] if greater else column < key[i]))
    return or_(*clauses)


async def file_key(conn: AsyncConnection, tenant: str, file_id: str) -> tuple | None:
    row = (await conn.execute(select(files.c.created_at, files.c.id).where(
        files.c.id == file_id, files.c.tenant == tenant))).first()
    return None if row is None else tuple(row)


async def page_files(conn: AsyncConnection, tenant: str, *, purpose: str | None, limit: int, descending: bool,
                     after: tuple | None, now: int) -> list[FileRow]:
    conditions = [files.c.tenant == tenant, _live(now)]
    if purpose is not None:
        conditions.append(files.c.purpose == purpose)
    rows = await page(conn, files, conditions, (files.c.created_at, files.c.id), limit=limit, descending=descending,
                      after=after, before=None, columns=_FILE_META)
    return [_file(r, with_text=False) for r in rows]


async def delete_file(conn: AsyncConnection, tenant: str, file_id: str) -> bool:
    """The file, its bytes, and its place in vector stores (their chunks with it)."""
    gone = await conn.execute(delete(files).where(files.c.id == file_id, files.c.tenant == tenant))
    if gone.rowcount == 0:
        return False
    await conn.execute(delete(file_blobs).where(file_blobs.c.owner_id == file_id))
    await conn.execute(delete(chunks).where(chunks.c.file_id == file_id))
    await conn.execute(delete(vector_store_files).where(vector_store_files.c.file_id == file_id))
    return True


# -- uploads ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class UploadRow:
    id: str
    created_at: int
    expires_at: int
    filename: str
    purpose: str
    mime_type: str
    bytes: int
    status: str
    file_id: str | None
    file_expires_after: int | None


_UPLOAD_COLUMNS = (uploads.c.id, uploads.c.created_at, uploads.c.expires_at, uploads.c.filename, uploads.c.purpose,
                   uploads.c.mime_type, uploads.c.bytes, uploads.c.status, uploads.c.file_id,
                   uploads.c.file_expires_after)


async def insert_upload(conn: AsyncConnection, tenant: str, row: UploadRow) -> None:
    await conn.execute(uploads.insert(), {"tenant": tenant, **row.__dict__})


async def get_upload(conn: AsyncConnection, tenant: str, upload_id: str) -> UploadRow | None:
    row = (await conn.execute(select(*_UPLOAD_COLUMNS).where(uploads.c.id == upload_id,
                                                             uploads.c.tenant == tenant))).first()
    return None if row is None else UploadRow(*row)


async def finish_upload(conn: AsyncConnection, upload_id: str, status: str, file_id: str | None = None) -> bool:
    """A pending upload completed or cancelled; False if it is pending no more (another request
    finished it first: only one of two racing completes, or a complete and a cancel, wins)."""
    result = await conn.execute(update(uploads).where(uploads.c.id == upload_id, uploads.c.status == "pending")
                                .values(status=status, file_id=file_id))
    return result.rowcount > 0


async def add_part(conn: AsyncConnection, upload_id: str, part_id: str, created_at: int, data: bytes) -> None:
    await conn.execute(upload_parts.insert(), {"id": part_id, "upload_id": upload_id, "created_at": created_at,
                                               "bytes": len(data)})
    await write_blob(conn, part_id, data)


async def part_sizes(conn: AsyncConnection, upload_id: str) -> dict[str, int]:
    rows = await conn.execute(select(upload_parts.c.id, upload_parts.c.bytes).where(
        upload_parts.c.upload_id == upload_id))
    return dict(rows.all())


async def parts_bytes_so_far(conn: AsyncConnection, upload_id: str) -> int:
    total = (await conn.execute(select(func.coalesce(func.sum(upload_parts.c.bytes), 0)).where(
        upload_parts.c.upload_id == upload_id))).scalar_one()
    return int(total)


async def adopt_parts(conn: AsyncConnection, file_id: str, part_ids: Sequence[str]) -> None:
    """The parts' pieces become the file's, in `part_ids` order (renumbered, never copied)."""
    seq = 0
    for part_id in part_ids:
        pieces = (await conn.execute(select(func.count()).select_from(file_blobs).where(
            file_blobs.c.owner_id == part_id))).scalar_one()
        await conn.execute(update(file_blobs).where(file_blobs.c.owner_id == part_id).values(
            owner_id=file_id, seq=file_blobs.c.seq + seq))
        seq += pieces


async def drop_parts(conn: AsyncConnection, upload_id: str, keep: Sequence[str] = ()) -> None:
    """The upload's part rows, and the bytes of those not in `keep` (already adopted)."""
    ids = [p for p in (await part_sizes(conn, upload_id)) if p not in keep]
    if ids:
        await conn.execute(delete(file_blobs).where(file_blobs.c.owner_id.in_(ids)))
    await conn.execute(delete(upload_parts).where(upload_parts.c.upload_id == upload_id))
