"""Vector stores: files chunked and indexed in the store's own full-text engine, searched by
services/search.py (the search endpoint and the file_search tool alike).

A file is indexed while the request that adds it runs (its chunking in a thread, its chunks
written in batches): the reply says `in_progress`, as the real API's does, and every later read
sees `completed` (or `failed`, for a file with no text) — so the SDK's create_and_poll and
upload_and_poll work, on any replica, with no task left behind to lose. A store unused for its
`expires_after.days` (from last_active_at, which search, file_search and adding a file move) is
`expired`: it still answers retrieve and list, and refuses search and new files.
"""

from __future__ import annotations

import time
from dataclasses import replace

import anyio
import orjson

from responses_mock import ids
from responses_mock.errors import InvalidRequest, NotFound
from responses_mock.services import files as file_service
from responses_mock.services import search
from responses_mock.services.files import not_found as file_not_found
from responses_mock.store import search as search_store
from responses_mock.store import vector_stores as rows
from responses_mock.store.handle import Store
from responses_mock.wire import files as shapes
from responses_mock.wire.requests import check_metadata
from responses_mock.wire.stored import dumps

MAX_FILES_PER_CALL = 500  # file_ids of one create or batch (the real API's cap)
CHUNKS_PER_TRANSACTION = 64


def file_not_in_store(file_id: str, store_id: str) -> NotFound:
    return NotFound(f"No file found with id '{file_id}' in vector store '{store_id}'.")


def batch_not_found(batch_id: str, store_id: str) -> NotFound:
    return NotFound(f"No file batch found with id '{batch_id}' in vector store '{store_id}'.")


def _render_file(row: rows.StoreFileRow, status: str | None = None) -> dict:
    return shapes.vector_store_file(
        row.file_id, vector_store_id=row.vector_store_id, created_at=row.created_at, status=status or row.status,
        usage_bytes=row.usage_bytes, attributes=orjson.loads(row.attributes),
        chunking=orjson.loads(row.chunking), last_error=orjson.loads(row.last_error) if row.last_error else None)


class VectorStoresService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- stores ------------------------------------------------------------------------------

    async def _row(self, conn, tenant: str, store_id: str) -> rows.StoreRow:
        row = await rows.get(conn, tenant, store_id)
        if row is None:
            raise search.store_not_found(store_id)
        return row

    async def _render(self, conn, row: rows.StoreRow, adding: int = 0) -> dict:
        counts, used = await rows.counts(conn, row.id)
        if adding:  # the files this call indexed count as in progress in its own reply (the real API's);
            moved = min(adding, counts.get("completed", 0))  # a failed one stays failed, counted once
            counts = {**counts, "completed": counts.get("completed", 0) - moved,
                      "in_progress": counts.get("in_progress", 0) + moved}
        shown = shapes.file_counts(counts)
        return shapes.vector_store(row.id, created_at=row.created_at, name=row.name,
                                   metadata=orjson.loads(row.metadata), usage_bytes=used, counts=shown,
                                   last_active_at=row.last_active_at, expires_days=row.expires_days,
                                   description=row.description)

    async def create(self, tenant: str, params: dict) -> dict:
        check_metadata(params.get("metadata"))
        shapes.check_expires_after(params.get("expires_after"), "expires_after", 1, 365, "days")
        chunking = shapes.chunking(params.get("chunking_strategy"))
        file_ids = list(dict.fromkeys(params.get("file_ids") or []))
        self._cap(file_ids, "file_ids")
        await self._check_files(tenant, file_ids, "file_ids")
        now = int(time.time())
        row = rows.StoreRow(id=ids.vector_store_id(), created_at=now, name=params.get("name") or "",
                            description=params.get("description"), metadata=dumps(params.get("metadata") or {}),
                            expires_days=(params.get("expires_after") or {}).get("days"), last_active_at=now)
        async with self.store.begin() as conn:
            await rows.insert(conn, tenant, row)
        indexed = 0
        for file_id in file_ids:
            indexed += await self._index_by_id(tenant, row.id, file_id, chunking, {}, None)
        async with self.store.connect() as conn:
            return await self._render(conn, row, adding=indexed)

    @staticmethod
    def _cap(file_ids: list, param: str) -> None:
        shapes.check_length(file_ids, param, MAX_FILES_PER_CALL)

    async def _check_files(self, tenant: str, file_ids: list[str], param: str) -> None:
        """Every one a live file of the caller's (their text is read one file at a time, later)."""
        found = await file_service.live_files(self.store, tenant, file_ids, with_text=False)
        for file_id in file_ids:
            if file_id not in found:
                raise NotFound(file_not_found(file_id).message, param=param)

    async def _index_by_id(self, tenant: str, store_id: str, file_id: str, chunking: dict, attributes: dict | None,
                           batch_id: str | None) -> bool:
        """Index one file, its text read now (not every file's at once); whether it indexed
        (False: it has no text, or it was deleted since it was checked)."""
        found = await file_service.live_files(self.store, tenant, [file_id])
        if file_id not in found:
            return False
        return await self._index(store_id, found[file_id], chunking, attributes, batch_id)

    async def retrieve(self, tenant: str, store_id: str) -> dict:
        async with self.store.connect() as conn:
            return await self._render(conn, await self._row(conn, tenant, store_id))

    async def list(self, tenant: str, *, limit: int, order: str, after: str | None, before: str | None) -> dict:
        async with self.store.connect() as conn:
            keys = {}
            for name, cursor in (("after", after), ("before", before)):
                if cursor is not None:
                    keys[name] = await rows.key(conn, tenant, cursor)
                    if keys[name] is None:
                        raise InvalidRequest(f"Invalid '{name}': no vector store with id '{cursor}'.", param=name,
                                             code="invalid_value")
            found = await rows.page_stores(conn, tenant, limit=limit, descending=order == "desc",
                                           after=keys.get("after"), before=keys.get("before"))
            data = [await self._render(conn, r) for r in found[:limit]]
        return shapes.page(data, has_more=len(found) > limit)

    async def update(self, tenant: str, store_id: str, params: dict) -> dict:
        values: dict = {}
        if "name" in params and params["name"] is not None:
            values["name"] = params["name"]
        if "metadata" in params:
            check_metadata(params["metadata"])
            values["metadata"] = dumps(params["metadata"] or {})
        if "expires_after" in params:
            shapes.check_expires_after(params["expires_after"], "expires_after", 1, 365, "days")
            values["expires_days"] = (params["expires_after"] or {}).get("days")
        async with self.store.begin() as conn:
            row = await self._row(conn, tenant, store_id)
            if values:
                await rows.update_store(conn, tenant, store_id, values)
                row = await self._row(conn, tenant, store_id)
            return await self._render(conn, row)

    async def delete(self, tenant: str, store_id: str) -> dict:
        async with self.store.begin() as conn:
            if not await rows.remove(conn, tenant, store_id):
                raise search.store_not_found(store_id)
        return shapes.deleted(store_id, "vector_store.deleted")

    # -- indexing ----------------------------------------------------------------------------

    async def _index(self, store_id: str, file, chunking: dict, attributes: dict | None, batch_id: str | None) -> bool:
        """Chunk the file's text (a thread) and write its chunks: the file is then `completed`, or
        `failed` when it has no text to index (returns whether it completed)."""
        now = int(time.time())
        texts = await search.chunks_of(file.text, chunking) if file.text else []
        error = None if file.text else {"code": "unsupported_file",
                                        "message": f"The file {file.filename} has no text that can be indexed."}
        row = rows.StoreFileRow(file_id=file.id, vector_store_id=store_id, batch_id=batch_id, created_at=now,
                                status="completed" if error is None else "failed",
                                usage_bytes=len(file.text.encode()) if file.text else 0,
                                attributes=dumps(attributes or {}), chunking=dumps(chunking),
                                last_error=dumps(error) if error else None)
        async with self.store.begin() as conn:
            await search_store.remove_chunks(conn, store_id, file.id)
            await rows.add_file(conn, replace(row, status="in_progress"))
        # The chunks a few transactions at a time: on SQLite one long transaction would hold the
        # write lock every other request's writes wait for.
        try:
            for start in range(0, len(texts), CHUNKS_PER_TRANSACTION):
                async with self.store.begin() as conn:
                    await search_store.add_chunks(conn, store_id, file.id,
                                                  texts[start:start + CHUNKS_PER_TRANSACTION], first=start)
        except BaseException:  # cut short (the store failed, the client left): the file says so
            with anyio.CancelScope(shield=True):
                async with self.store.begin() as conn:
                    await rows.set_file(conn, store_id, file.id, status="failed", last_error=dumps(
                        {"code": "server_error", "message": "Indexing the file was interrupted."}))
            raise
        async with self.store.begin() as conn:
            await rows.set_file(conn, store_id, file.id, status=row.status)
        return error is None

    # -- a store's files ---------------------------------------------------------------------

    async def add_file(self, tenant: str, store_id: str, params: dict) -> dict:
        shapes.check_attributes(params.get("attributes"))
        chunking = shapes.chunking(params.get("chunking_strategy"))
        now = int(time.time())
        async with self.store.connect() as conn:
            search.check_live(await self._row(conn, tenant, store_id), now)
        file_id = params["file_id"]
        await self._check_files(tenant, [file_id], "file_id")
        await search.touch(self.store, [store_id], now)
        await self._index_by_id(tenant, store_id, file_id, chunking, params.get("attributes"), None)
        async with self.store.connect() as conn:
            return _render_file(await rows.get_file(conn, store_id, file_id), status="in_progress")

    async def _file_row(self, conn, tenant: str, store_id: str, file_id: str) -> rows.StoreFileRow:
        await self._row(conn, tenant, store_id)
        row = await rows.get_file(conn, store_id, file_id)
        if row is None:
            raise file_not_in_store(file_id, store_id)
        return row

    async def get_file(self, tenant: str, store_id: str, file_id: str) -> dict:
        async with self.store.connect() as conn:
            return _render_file(await self._file_row(conn, tenant, store_id, file_id))

    async def update_file(self, tenant: str, store_id: str, file_id: str, params: dict) -> dict:
        shapes.check_attributes(params.get("attributes"))
        async with self.store.begin() as conn:
            await self._file_row(conn, tenant, store_id, file_id)
            await rows.set_file(conn, store_id, file_id, attributes=dumps(params.get("attributes") or {}))
            return _render_file(await rows.get_file(conn, store_id, file_id))

    async def remove_file(self, tenant: str, store_id: str, file_id: str) -> dict:
        async with self.store.begin() as conn:
            await self._row(conn, tenant, store_id)
            if not await rows.remove_file(conn, store_id, file_id):
                raise file_not_in_store(file_id, store_id)
        return shapes.deleted(file_id, "vector_store.file.deleted")

    async def file_content(self, tenant: str, store_id: str, file_id: str) -> dict:
        async with self.store.connect() as conn:
            await self._file_row(conn, tenant, store_id, file_id)
        found = await file_service.live_files(self.store, tenant, [file_id])
        return shapes.file_content_page(found[file_id].text if file_id in found else None)

    async def list_files(self, tenant: str, store_id: str, *, limit: int, order: str, after: str | None,
                         before: str | None, status: str | None, batch_id: str | None = None) -> dict:
        async with self.store.connect() as conn:
            await self._row(conn, tenant, store_id)
            if batch_id is not None and await rows.get_batch(conn, store_id, batch_id) is None:
                raise batch_not_found(batch_id, store_id)
            keys = {}
            for name, cursor in (("after", after), ("before", before)):
                if cursor is not None:
                    keys[name] = await rows.file_key(conn, store_id, cursor)
                    if keys[name] is None:
                        raise InvalidRequest(f"Invalid '{name}': no file with id '{cursor}' in vector store "
                                             f"'{store_id}'.", param=name, code="invalid_value")
            found = await rows.page_files(conn, store_id, batch_id=batch_id, status=status, limit=limit,
                                          descending=order == "desc", after=keys.get("after"),
                                          before=keys.get("before"))
        return shapes.page([_render_file(r) for r in found[:limit]], has_more=len(found) > limit)

    # -- batches -----------------------------------------------------------------------------

    async def create_batch(self, tenant: str, store_id: str, params: dict) -> dict:
        if params.get("file_ids") is not None and params.get("files") is not None:
            raise InvalidRequest("Mutually exclusive parameters: Ensure you are only providing one of: 'file_ids' or "
                                 "'files'.", param="files", code="mutually_exclusive_parameters")
        shapes.check_attributes(params.get("attributes"))
        default = shapes.chunking(params.get("chunking_strategy"))
        wanted = [{"file_id": f, "attributes": params.get("attributes")} for f in params.get("file_ids") or []]
        for i, entry in enumerate(params.get("files") or []):
            shapes.check_attributes(entry.get("attributes"), f"files[{i}].attributes")
            wanted.append({"file_id": entry["file_id"], "attributes": entry.get("attributes"),
                           "chunking": shapes.chunking(entry.get("chunking_strategy"), f"files[{i}].chunking_strategy")
                           if entry.get("chunking_strategy") else None})
        if not wanted:
            raise InvalidRequest("Missing required parameter: 'file_ids'.", param="file_ids",
                                 code="missing_required_parameter")
        self._cap(wanted, "file_ids")
        await self._check_files(tenant, [w["file_id"] for w in wanted], "file_ids")
        batch_id, now = ids.file_batch_id(), int(time.time())
        async with self.store.begin() as conn:
            search.check_live(await self._row(conn, tenant, store_id), now)
            await rows.insert_batch(conn, batch_id, store_id, now, "in_progress")
        await search.touch(self.store, [store_id], now)
        final = "failed"  # cut short (the store failed, the client left): the files it got through stay
        try:
            for w in wanted:
                await self._index_by_id(tenant, store_id, w["file_id"], w.get("chunking") or default,
                                        w["attributes"], batch_id)
            final = "completed"
        finally:
            with anyio.CancelScope(shield=True):
                async with self.store.begin() as conn:
                    await rows.set_batch(conn, batch_id, final)
        async with self.store.connect() as conn:
            counts, _ = await rows.counts(conn, store_id, batch_id)
        shown = shapes.file_counts({"in_progress": sum(counts.values())})
        return shapes.file_batch(batch_id, vector_store_id=store_id, created_at=now, status="in_progress", counts=shown)

    async def get_batch(self, tenant: str, store_id: str, batch_id: str) -> dict:
        async with self.store.connect() as conn:
            await self._row(conn, tenant, store_id)
            found = await rows.get_batch(conn, store_id, batch_id)
            if found is None:
                raise batch_not_found(batch_id, store_id)
            counts, _ = await rows.counts(conn, store_id, batch_id)
        created_at, status = found
        return shapes.file_batch(batch_id, vector_store_id=store_id, created_at=created_at, status=status,
                                 counts=shapes.file_counts(counts))

    async def cancel_batch(self, tenant: str, store_id: str, batch_id: str) -> dict:
        """Every file of a batch is indexed by the time its create answers: nothing is left to
        cancel, so the batch is reported as it is (the real API answers so for a finished batch)."""
        return await self.get_batch(tenant, store_id, batch_id)

    # -- search ------------------------------------------------------------------------------

    async def search(self, tenant: str, store_id: str, params: dict) -> dict:
        queries = search.check_queries(params["query"])
        limit = search.check_max_results(params.get("max_num_results"), "max_num_results")
        threshold = search.check_threshold(params.get("ranking_options"), "ranking_options")
        shapes.check_filters(params.get("filters"))
        async with self.store.connect() as conn:
            await self._row(conn, tenant, store_id)
        results = await search.search(self.store, tenant, [store_id], queries, max_num_results=limit,
                                      filters=params.get("filters"), score_threshold=threshold)
        return shapes.search_page(queries, [shapes.search_result(r.file_id, r.filename, r.score, r.attributes, r.text)
                                            for r in results])
