"""Uploads: a large file sent in parts (the SDK's `uploads.upload_file_chunked`), then completed
into a File. Each part's bytes go to the store as they arrive (store/files.py); completing hands
them to the new file in the order `part_ids` names them, without copying a byte."""

from __future__ import annotations

import time

from responses_mock import ids
from responses_mock.errors import InvalidRequest, NotFound
from responses_mock.services.files import FilesService, mime_of
from responses_mock.store import files as file_store
from responses_mock.store.handle import Store
from responses_mock.wire import files as shapes

UPLOAD_LIFETIME = 3600  # an upload expires an hour after it is created, as the real API's
MAX_PART_BYTES = 64 * 1024 * 1024  # the real API's bound on one part


def not_found(upload_id: str) -> NotFound:
    return NotFound(f"Upload with id '{upload_id}' not found.", param="upload_id")


def not_pending(upload_id: str, status: str) -> InvalidRequest:
    return InvalidRequest(f"Upload {upload_id} is {status}: it takes no more parts and cannot be completed.",
                          param="upload_id", code="invalid_state")


def _render(row: file_store.UploadRow, status: str | None = None, file: dict | None = None) -> dict:
    return shapes.upload(row.id, bytes=row.bytes, created_at=row.created_at, expires_at=row.expires_at,
                         filename=row.filename, purpose=row.purpose, status=status or row.status, file=file)


class UploadsService:
    def __init__(self, store: Store, files: FilesService) -> None:
        self.store = store
        self.files = files

    async def create(self, tenant: str, params: dict) -> dict:
        purpose = shapes.purpose(params["purpose"])
        size = params["bytes"]
        if size < 0:
            shapes.check_range(size, "bytes", 0, self.files.max_bytes)
        self.files.check_size(size)
        shapes.check_expires_after(params.get("expires_after"), "expires_after", 3600, 2592000, "seconds")
        filename = shapes.filename(params["filename"])
        shapes.check_string(params["mime_type"], "mime_type", shapes.MAX_MIME_TYPE)
        now = int(time.time())
        row = file_store.UploadRow(id=ids.upload_id(), created_at=now, expires_at=now + UPLOAD_LIFETIME,
                                   filename=filename, purpose=purpose,
                                   mime_type=mime_of(filename, params["mime_type"]), bytes=size,
                                   status="pending", file_id=None,
                                   file_expires_after=(params.get("expires_after") or {}).get("seconds"))
        async with self.store.begin() as conn:
            await file_store.insert_upload(conn, tenant, row)
        return _render(row)

    async def _pending(self, conn, tenant: str, upload_id: str) -> file_store.UploadRow:
        row = await file_store.get_upload(conn, tenant, upload_id)
        if row is None:
            raise not_found(upload_id)
        status = "expired" if row.status == "pending" and row.expires_at <= time.time() else row.status
        if status != "pending":
            raise not_pending(upload_id, status)
        return row

    async def _finish(self, conn, tenant: str, upload_id: str, status: str, file_id: str | None = None
                      ) -> file_store.UploadRow:
        """The upload, marked `status` — only if it is still pending at this write (a complete or
        cancel that raced this one and won makes this one the 400 it would get after)."""
        row = await self._pending(conn, tenant, upload_id)
        if not await file_store.finish_upload(conn, upload_id, status, file_id):
            found = await file_store.get_upload(conn, tenant, upload_id)
            raise not_pending(upload_id, found.status if found else "gone")
        return row

    async def add_part(self, tenant: str, upload_id: str, data: bytes) -> dict:
        if len(data) > MAX_PART_BYTES:
            raise InvalidRequest(f"Invalid 'data': a part may have at most {MAX_PART_BYTES:,} bytes (this one has "
                                 f"{len(data):,}).", param="data", code="invalid_value")
        part_id, now = ids.upload_part_id(), int(time.time())
        async with self.store.begin() as conn:
            row = await self._pending(conn, tenant, upload_id)
            so_far = await file_store.parts_bytes_so_far(conn, upload_id)
            if so_far + len(data) > row.bytes:
                raise InvalidRequest(f"Invalid 'data': the parts would hold {so_far + len(data):,} bytes, more than "
                                     f"the {row.bytes:,} the upload was created with.", param="data",
                                     code="invalid_value")
            await file_store.add_part(conn, upload_id, part_id, now, data)
        return shapes.upload_part(part_id, now, upload_id)

    async def complete(self, tenant: str, upload_id: str, params: dict) -> dict:
        part_ids = list(params["part_ids"])
        async with self.store.connect() as conn:
            row = await self._pending(conn, tenant, upload_id)
            sizes = await file_store.part_sizes(conn, upload_id)
        for i, part_id in enumerate(part_ids):
            if part_id not in sizes:
                raise InvalidRequest(f"Invalid 'part_ids[{i}]': no part with id '{part_id}' in upload '{upload_id}'.",
                                     param=f"part_ids[{i}]", code="invalid_value")
        if len(set(part_ids)) != len(part_ids):
            raise InvalidRequest("Invalid 'part_ids': a part may be named only once.", param="part_ids",
                                 code="invalid_value")
        total = sum(sizes[p] for p in part_ids)
        if total != row.bytes:
            raise InvalidRequest(f"The parts hold {total:,} bytes, but the upload was created with {row.bytes:,} "
                                 "bytes: they must match.", param="part_ids", code="invalid_value")
        data = bytearray()
        for part_id in part_ids:  # the text is extracted from the whole file, once
            async for piece in file_store.blob_pieces(self.store.connect, part_id):
                data += piece
        doc = await self.files.extract(bytes(data), row.mime_type, row.filename)
        file_id = ids.file_id()
        expires = {"seconds": row.file_expires_after} if row.file_expires_after else None
        async with self.store.begin() as conn:
            row = await self._finish(conn, tenant, upload_id, "completed", file_id)  # first: it decides the race
            await file_store.adopt_parts(conn, file_id, part_ids)
            file = await self.files.adopt(conn, tenant, file_id=file_id, filename=row.filename, purpose=row.purpose,
                                          mime=row.mime_type, size=total, doc=doc, expires_after=expires)
            await file_store.drop_parts(conn, upload_id, keep=part_ids)
        return _render(row, "completed", file)

    async def cancel(self, tenant: str, upload_id: str) -> dict:
        async with self.store.begin() as conn:
            row = await self._finish(conn, tenant, upload_id, "cancelled")
            await file_store.drop_parts(conn, upload_id)
        return _render(row, "cancelled")
