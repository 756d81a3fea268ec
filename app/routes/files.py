"""/v1/files: upload (multipart), list, retrieve, download and delete a file."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from openai.types import FileDeleted, FileObject
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse

from responses_mock.errors import Disconnect, InvalidRequest
from responses_mock.routes import api
from responses_mock.routes.render import json
from responses_mock.wire import files as shapes

endpoints = api.Endpoints("files")
LIST = api.Query(shapes.FileListQuery)


async def form(request: Request) -> FormData:
    """The multipart body (the SDK's way of sending a file); anything else is the real API's 400."""
    kind = api.headers(request).get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        raise InvalidRequest(f"Invalid Content-Type header ({kind or 'none'}), expected multipart/form-data.",
                             code="invalid_content_type")
    try:
        return await request.form(max_files=1, max_fields=16)
    except ClientDisconnect:
        raise Disconnect from None
    except MultiPartException as exc:  # a body that is not the multipart it says it is
        raise InvalidRequest(f"Could not parse multipart form: {exc.message}", code="invalid_multipart") from None


async def file_field(data: FormData, name: str) -> tuple[str, str | None, bytes]:
    """(filename, content type, bytes) of the form's file `name`, or a 400 naming it."""
    found = data.get(name)
    if not isinstance(found, UploadFile):
        raise InvalidRequest(f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")
    return found.filename or "upload", found.content_type, await found.read()


def expires_after(data: FormData) -> dict | None:
    """`expires_after[anchor]` and `expires_after[seconds]`, as the SDK sends a nested field in a form."""
    anchor, seconds = data.get("expires_after[anchor]"), data.get("expires_after[seconds]")
    if anchor is None and seconds is None:
        return None
    if anchor != "created_at":
        raise InvalidRequest(f"Invalid value: '{anchor}'. Supported values are: 'created_at'.",
                             param="expires_after.anchor", code="invalid_value")
    try:
        value = int(str(seconds))
    except ValueError:
        raise InvalidRequest("Invalid type for 'expires_after.seconds': expected an integer, but got a string "
                             "instead.", param="expires_after.seconds", code="invalid_type") from None
    shapes.check_range(value, "expires_after.seconds", 3600, 2592000)
    return {"anchor": "created_at", "seconds": value}


@endpoints.post("/files", form=shapes.FILE_FORM, reply=FileObject)
async def create_file(request: Request) -> Response:
    """Upload a file (multipart: `file`, `purpose`, optional `expires_after`)."""
    tenant = api.tenant(request)
    data = await form(request)
    purpose = shapes.purpose(data.get("purpose"))
    after = expires_after(data)
    filename, content_type, raw = await file_field(data, "file")
    return json(await api.services(request).files.create(
        tenant, filename=filename, content_type=content_type, data=raw, purpose=purpose, expires_after=after))


@endpoints.get("/files", query=LIST, reply=None)
async def list_files(request: Request) -> Response:
    """The caller's files, newest first unless `order=asc`; `purpose` filters."""
    tenant = api.tenant(request)
    query = LIST(request)
    limit = shapes.page_limit(query, 10000, 10000)
    return json(await api.services(request).files.list(
        tenant, purpose=query.get("purpose"), limit=limit, order=query.get("order", "desc"),
        after=query.get("after")))


@endpoints.get("/files/{file_id}", reply=FileObject)
async def retrieve_file(request: Request) -> Response:
    """Retrieve a file's object."""
    return json(await api.services(request).files.retrieve(api.tenant(request), request.path_params["file_id"]))


@endpoints.delete("/files/{file_id}", reply=FileDeleted)
async def delete_file(request: Request) -> Response:
    """Delete a file (and its place in every vector store)."""
    return json(await api.services(request).files.delete(api.tenant(request), request.path_params["file_id"]))


@endpoints.get("/files/{file_id}/content")
async def file_content(request: Request) -> Response:
    """The file's bytes, streamed from the store a piece at a time."""
    content = await api.services(request).files.content(api.tenant(request), request.path_params["file_id"])
    return StreamingResponse(content.pieces, media_type="application/octet-stream",
                             headers={"content-length": str(content.size),
                                      "content-disposition": disposition(content.filename)})


def disposition(filename: str) -> str:
    """`attachment` with the name as a quoted ASCII fallback (control characters, quotes and
    backslashes dropped; other characters as '_') and, when it is not plain ASCII, RFC 5987's
    filename*= with its UTF-8 bytes percent-encoded — nothing of the name can break the header."""
    plain = "".join(c if " " <= c <= "~" and c not in '"\\' else ("" if not c.isprintable() else "_")
                    for c in filename) or "download"
    header = f'attachment; filename="{plain}"'
    if plain != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
