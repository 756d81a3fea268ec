"""/v1/uploads: a large file in parts — create, add parts (multipart `data`), complete, cancel."""

from __future__ import annotations

from fastapi import Request
from openai.types import Upload
from openai.types.uploads import UploadPart
from starlette.responses import Response

from responses_mock.routes import api
from responses_mock.routes.files import file_field, form
from responses_mock.routes.render import json
from responses_mock.wire import files as shapes
from responses_mock.wire.requests import parse_json

endpoints = api.Endpoints("uploads")


@endpoints.post("/uploads", body=shapes.UPLOAD_CREATE, reply=Upload)
async def create_upload(request: Request) -> Response:
    """Start an upload: `bytes`, `filename`, `mime_type`, `purpose`."""
    tenant = api.tenant(request)
    params = shapes.validate(shapes.UPLOAD_CREATE, parse_json(await api.body(request)))
    return json(await api.services(request).uploads.create(tenant, params))


@endpoints.post("/uploads/{upload_id}/parts", form=shapes.UPLOAD_PART_FORM, reply=UploadPart)
async def add_upload_part(request: Request) -> Response:
    """Add one part (multipart `data`)."""
    tenant = api.tenant(request)
    _, _, data = await file_field(await form(request), "data")
    return json(await api.services(request).uploads.add_part(tenant, request.path_params["upload_id"], data))


@endpoints.post("/uploads/{upload_id}/complete", body=shapes.UPLOAD_COMPLETE, reply=Upload)
async def complete_upload(request: Request) -> Response:
    """Complete an upload: its parts, in `part_ids` order, become a File."""
    tenant = api.tenant(request)
    params = shapes.validate(shapes.UPLOAD_COMPLETE, parse_json(await api.body(request)))
    return json(await api.services(request).uploads.complete(tenant, request.path_params["upload_id"], params))


@endpoints.post("/uploads/{upload_id}/cancel", reply=Upload)
async def cancel_upload(request: Request) -> Response:
    """Cancel an upload: its parts are dropped."""
    return json(await api.services(request).uploads.cancel(api.tenant(request), request.path_params["upload_id"]))
