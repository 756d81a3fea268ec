"""Files: bytes kept in the store (every replica serves them), with the text extracted once, at
upload, for input_file and the vector stores (services/attachments.py reads it: pypdf for PDFs).

Sizes are bounded by the settings (`max_file_bytes`, `max_file_text_chars`); extraction runs in a
thread, and the bytes go in and out of the store a piece at a time (store/files.py).
"""

from __future__ import annotations

import asyncio
import mimetypes
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import anyio

from responses_mock import ids
from responses_mock.config import Settings
from responses_mock.errors import APIError, InvalidRequest, NotFound
from responses_mock.services import attachments, tokens
from responses_mock.store import files as file_store
from responses_mock.store.files import FileRow
from responses_mock.store.handle import Store
from responses_mock.wire import files as shapes

# Files of purpose `batch` expire after 30 days unless told otherwise (the SDK's FileCreateParams).
BATCH_EXPIRY = 30 * 86400


def not_found(file_id: str) -> NotFound:
    return NotFound(f"No such File object: {file_id}", param="id")


# The real API's 512 MB bound has no public record of its wording: ours says the bound and the size.
def too_large(limit: int, size: int) -> APIError:
    return APIError(f"File is too large: at most {limit:,} bytes are accepted (this one has {size:,}).",
                    status=413, param="file", code="file_too_large")


def render(row: FileRow) -> dict:
    return shapes.file_object(row.id, bytes=row.bytes, created_at=row.created_at, filename=row.filename,
                              purpose=row.purpose, expires_at=row.expires_at)


def mime_of(filename: str, given: str | None) -> str:
    """The part's Content-Type, unless it says nothing (octet-stream) or is no MIME type (too
    long, control characters): then the name's."""
    given = (given or "").split(";")[0].strip()
    if given and given != "application/octet-stream" and len(given) <= shapes.MAX_MIME_TYPE and given.isprintable():
        return given
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


# Text extraction (pypdf on a large PDF takes seconds) runs in threads of its own: at most
# EXTRACTORS at once, so a burst of uploads cannot take every thread of the shared pool the
# store's SQLite reads and token counts run in. One limiter per event loop (tests run several).
EXTRACTORS = 2
_LIMITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def extraction_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = anyio.CapacityLimiter(EXTRACTORS)
    return limiter


async def extract_in_thread(fn, *args):
    return await anyio.to_thread.run_sync(fn, *args, limiter=extraction_limiter())


async def live_files(store: Store, tenant: str, file_ids: Sequence[str], *, with_text: bool = True
                     ) -> dict[str, FileRow]:
    """The caller's live files among `file_ids`, by id (input_file, vector stores)."""
    async with store.connect() as conn:
        return await file_store.get_files(conn, tenant, sorted(set(file_ids)), int(time.time()), with_text=with_text)


def document(row: FileRow) -> attachments.Document:
    """What the model reads of a stored file (text extracted at upload)."""
    return attachments.Document(row.text, pages=row.pages, filename=row.filename)


# An inline file this large (or any PDF) is read in a thread.
INLINE_IN_THREAD = 64 << 10


async def read_documents(store: Store, tenant: str, new: list[dict], prior: list[dict], encoding: str = "o200k_base",
                         max_chars: int = attachments.INLINE_MAX_CHARS) -> dict[str, attachments.Document]:
    """The files of a request's input as the model reads them, by attachments.document_key: inline
    ones decoded (a 400 if broken), uploaded ones from the caller's files. An id in this request's
    input that names no live file of the caller's is refused — a 404 naming the part, in the Files
    API's own words ("No such File object: …"); the real API's exact reply to an unknown input_file
    id is not on public record, and a 404 is what the same id gets from GET /v1/files/{id}. Files
    of the context before (a previous response, a conversation) that are gone since are left out.
    Long texts are counted in `encoding` (the model's) here, off the loop."""
    found: dict[str, attachments.Document] = {}
    wanted: dict[str, str | None] = {}  # file id → the param naming it in this request (None: the context's)
    for items, own in ((prior, False), (new, True)):
        for param, part in attachments.file_parts(items):
            if isinstance(part.get("file_id"), str):
                if own or part["file_id"] not in wanted:
                    wanted[part["file_id"]] = f"{param}.file_id" if own else None
            elif isinstance(part.get("file_data"), str) and part["file_data"] not in found:
                data = part["file_data"]
                if len(data) > INLINE_IN_THREAD or "application/pdf" in data[:40]:
                    found[data] = await extract_in_thread(attachments.inline_document, part, param, max_chars)
                else:
                    found[data] = attachments.inline_document(part, param, max_chars)
    if wanted:
        rows = await live_files(store, tenant, list(wanted))
        for file_id, param in wanted.items():
            if file_id in rows:
                found[file_id] = document(rows[file_id])
            elif param is not None:
                raise NotFound(not_found(file_id).message, param=param)
            else:  # gone since an earlier turn: nothing to read, nothing to count
                found[file_id] = attachments.Document("")
    long = [d.text for d in found.values() if d.text and len(d.text) >= tokens.BIG]
    if long:  # counted now, in a thread: the counts the request takes on the loop are then cache hits
        await anyio.to_thread.run_sync(tokens.warm, long, encoding)
    return found


@dataclass(frozen=True)
class Content:
    """A file's bytes, to stream: its name, its size and its pieces."""

    filename: str
    size: int
    pieces: AsyncIterator[bytes]


class FilesService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.max_bytes = settings.max_file_bytes
        self.max_chars = settings.max_file_text_chars

    async def extract(self, data: bytes, mime: str, filename: str) -> attachments.Document:
        """The text of a file's bytes (in a thread: pypdf on megabytes takes seconds); none for
        a PDF pypdf cannot open (it is kept all the same, as the real API keeps any bytes)."""
        try:
            return await extract_in_thread(attachments.read_document, data, mime, filename, self.max_chars)
        except attachments.UnreadablePdf:
            return attachments.Document(None)

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise too_large(self.max_bytes, size)

    async def create(self, tenant: str, *, filename: str, content_type: str | None, data: bytes, purpose: str,
                     expires_after: dict | None) -> dict:
        self.check_size(len(data))
        if not data:
            raise InvalidRequest("The file is empty: a file must have at least one byte.", param="file",
                                 code="invalid_value")
        filename = shapes.filename(filename, "file")
        mime = mime_of(filename, content_type)
        doc = await self.extract(data, mime, filename)
        row = self._row(ids.file_id(), filename, purpose, mime, len(data), doc, expires_after)
        async with self.store.begin() as conn:
            await file_store.insert_file(conn, tenant, row)
            await file_store.write_blob(conn, row.id, data)
        return render(row)

    @staticmethod
    def _row(file_id: str, filename: str, purpose: str, mime: str, size: int, doc: attachments.Document,
             expires_after: dict | None) -> FileRow:
        now = int(time.time())
        seconds = (expires_after or {}).get("seconds") or (BATCH_EXPIRY if purpose == "batch" else None)
        return FileRow(id=file_id, created_at=now, expires_at=now + seconds if seconds else None, filename=filename,
                       purpose=purpose, mime_type=mime, bytes=size, text=doc.text, pages=doc.pages)

    async def adopt(self, conn, tenant: str, *, file_id: str, filename: str, purpose: str, mime: str, size: int,
                    doc: attachments.Document, expires_after: dict | None) -> dict:
        """A file whose bytes are already in the store under its id (an upload's parts)."""
        row = self._row(file_id, filename, purpose, mime, size, doc, expires_after)
        await file_store.insert_file(conn, tenant, row)
        return render(row)

    async def row(self, tenant: str, file_id: str) -> FileRow:
        async with self.store.connect() as conn:
            found = await file_store.get_file(conn, tenant, file_id, int(time.time()))
        if found is None:
            raise not_found(file_id)
        return found

    async def retrieve(self, tenant: str, file_id: str) -> dict:
        return render(await self.row(tenant, file_id))

    async def list(self, tenant: str, *, purpose: str | None, limit: int, order: str, after: str | None) -> dict:
        now = int(time.time())
        async with self.store.connect() as conn:
            key = None
            if after is not None:
                key = await file_store.file_key(conn, tenant, after)
                if key is None:
                    raise InvalidRequest(f"Invalid 'after': no file with id '{after}'.", param="after",
                                         code="invalid_value")
            rows = await file_store.page_files(conn, tenant, purpose=purpose, limit=limit,
                                               descending=order == "desc", after=key, now=now)
        return shapes.page([render(r) for r in rows[:limit]], has_more=len(rows) > limit)

    async def delete(self, tenant: str, file_id: str) -> dict:
        async with self.store.begin() as conn:
            if not await file_store.delete_file(conn, tenant, file_id):
                raise not_found(file_id)
        return shapes.deleted(file_id, "file")

    async def content(self, tenant: str, file_id: str) -> Content:
        row = await self.row(tenant, file_id)
        return Content(row.filename, row.bytes, file_store.blob_pieces(self.store.connect, file_id))
