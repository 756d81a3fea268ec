"""/v1/vector_stores: stores, their files and file batches, and search."""

from __future__ import annotations

from fastapi import Request
from openai.types import VectorStore, VectorStoreDeleted
from openai.types.vector_stores import VectorStoreFile, VectorStoreFileBatch, VectorStoreFileDeleted
from starlette.responses import Response

from responses_mock.routes import api
from responses_mock.routes.render import json
from responses_mock.wire import files as shapes
from responses_mock.wire.requests import parse_json

endpoints = api.Endpoints("vector_stores")
PAGE, FILES = api.Query(shapes.StorePageQuery), api.Query(shapes.StoreFilesQuery)


async def _body(request: Request, adapter, empty_ok: bool = False) -> dict:
    raw = await api.body(request)
    return shapes.validate(adapter, parse_json(raw) if raw or not empty_ok else {})


def _page(query: dict) -> dict:
    return {"limit": shapes.page_limit(query, 20, 100), "order": query.get("order", "desc"),
            "after": query.get("after"), "before": query.get("before")}


@endpoints.post("/vector_stores", body=shapes.VECTOR_STORE_CREATE, reply=VectorStore)
async def create_vector_store(request: Request) -> Response:
    """Create a vector store, with files to index (`file_ids`, `chunking_strategy`)."""
    tenant = api.tenant(request)
    params = await _body(request, shapes.VECTOR_STORE_CREATE, empty_ok=True)
    return json(await api.services(request).vector_stores.create(tenant, params))


@endpoints.get("/vector_stores", query=PAGE)
async def list_vector_stores(request: Request) -> Response:
    """The caller's vector stores, newest first unless `order=asc`."""
    tenant = api.tenant(request)
    return json(await api.services(request).vector_stores.list(tenant, **_page(PAGE(request))))


@endpoints.get("/vector_stores/{vector_store_id}", reply=VectorStore)
async def retrieve_vector_store(request: Request) -> Response:
    """Retrieve a vector store."""
    return json(await api.services(request).vector_stores.retrieve(
        api.tenant(request), request.path_params["vector_store_id"]))


@endpoints.post("/vector_stores/{vector_store_id}", body=shapes.VECTOR_STORE_UPDATE, reply=VectorStore)
async def update_vector_store(request: Request) -> Response:
    """Update a vector store's name, expiry or metadata."""
    tenant = api.tenant(request)
    params = await _body(request, shapes.VECTOR_STORE_UPDATE, empty_ok=True)
    return json(await api.services(request).vector_stores.update(
        tenant, request.path_params["vector_store_id"], params))


@endpoints.delete("/vector_stores/{vector_store_id}", reply=VectorStoreDeleted)
async def delete_vector_store(request: Request) -> Response:
    """Delete a vector store (its files stay; their chunks go)."""
    return json(await api.services(request).vector_stores.delete(
        api.tenant(request), request.path_params["vector_store_id"]))


@endpoints.post("/vector_stores/{vector_store_id}/search", body=shapes.SEARCH)
async def search_vector_store(request: Request) -> Response:
    """The chunks that match `query`, best first: `max_num_results`, `filters`, `ranking_options`."""
    tenant = api.tenant(request)
    params = await _body(request, shapes.SEARCH)
    return json(await api.services(request).vector_stores.search(
        tenant, request.path_params["vector_store_id"], params))


# -- files -------------------------------------------------------------------------------------

@endpoints.post("/vector_stores/{vector_store_id}/files", body=shapes.VECTOR_STORE_FILE_CREATE,
                reply=VectorStoreFile)
async def create_vector_store_file(request: Request) -> Response:
    """Add a file to a vector store (indexed at once: later reads say `completed`)."""
    tenant = api.tenant(request)
    params = await _body(request, shapes.VECTOR_STORE_FILE_CREATE)
    return json(await api.services(request).vector_stores.add_file(
        tenant, request.path_params["vector_store_id"], params))


@endpoints.get("/vector_stores/{vector_store_id}/files", query=FILES)
async def list_vector_store_files(request: Request) -> Response:
    """A vector store's files; `filter` by status."""
    tenant = api.tenant(request)
    query = FILES(request)
    return json(await api.services(request).vector_stores.list_files(
        tenant, request.path_params["vector_store_id"], status=query.get("filter"), **_page(query)))


@endpoints.get("/vector_stores/{vector_store_id}/files/{file_id}", reply=VectorStoreFile)
async def retrieve_vector_store_file(request: Request) -> Response:
    """Retrieve one file of a vector store."""
    p = request.path_params
    return json(await api.services(request).vector_stores.get_file(api.tenant(request), p["vector_store_id"],
                                                                   p["file_id"]))


@endpoints.post("/vector_stores/{vector_store_id}/files/{file_id}", body=shapes.VECTOR_STORE_FILE_UPDATE,
                reply=VectorStoreFile)
async def update_vector_store_file(request: Request) -> Response:
    """Replace a vector store file's attributes."""
    tenant, p = api.tenant(request), request.path_params
    params = await _body(request, shapes.VECTOR_STORE_FILE_UPDATE)
    return json(await api.services(request).vector_stores.update_file(tenant, p["vector_store_id"], p["file_id"],
                                                                      params))


@endpoints.delete("/vector_stores/{vector_store_id}/files/{file_id}", reply=VectorStoreFileDeleted)
async def delete_vector_store_file(request: Request) -> Response:
    """Remove a file from a vector store (the file itself stays)."""
    p = request.path_params
    return json(await api.services(request).vector_stores.remove_file(api.tenant(request), p["vector_store_id"],
                                                                      p["file_id"]))


@endpoints.get("/vector_stores/{vector_store_id}/files/{file_id}/content")
async def vector_store_file_content(request: Request) -> Response:
    """The text of a vector store file, as indexed."""
    p = request.path_params
    return json(await api.services(request).vector_stores.file_content(api.tenant(request), p["vector_store_id"],
                                                                       p["file_id"]))


# -- file batches ------------------------------------------------------------------------------

@endpoints.post("/vector_stores/{vector_store_id}/file_batches", body=shapes.FILE_BATCH_CREATE,
                reply=VectorStoreFileBatch)
async def create_file_batch(request: Request) -> Response:
    """Add several files at once (`file_ids` or `files`)."""
    tenant = api.tenant(request)
    params = await _body(request, shapes.FILE_BATCH_CREATE)
    return json(await api.services(request).vector_stores.create_batch(
        tenant, request.path_params["vector_store_id"], params))


@endpoints.get("/vector_stores/{vector_store_id}/file_batches/{batch_id}", reply=VectorStoreFileBatch)
async def retrieve_file_batch(request: Request) -> Response:
    """Retrieve a file batch."""
    p = request.path_params
    return json(await api.services(request).vector_stores.get_batch(api.tenant(request), p["vector_store_id"],
                                                                    p["batch_id"]))


@endpoints.post("/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", reply=VectorStoreFileBatch)
async def cancel_file_batch(request: Request) -> Response:
    """Cancel a file batch (a finished one is answered as it is)."""
    p = request.path_params
    return json(await api.services(request).vector_stores.cancel_batch(api.tenant(request), p["vector_store_id"],
                                                                       p["batch_id"]))


@endpoints.get("/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", query=FILES)
async def list_file_batch_files(request: Request) -> Response:
    """The files of one batch; `filter` by status."""
    tenant, p = api.tenant(request), request.path_params
    query = FILES(request)
    return json(await api.services(request).vector_stores.list_files(
        tenant, p["vector_store_id"], status=query.get("filter"), batch_id=p["batch_id"], **_page(query)))
