"""/v1 is FastAPI's own: every endpoint an APIRoute that FastAPI matches and documents, with
request and response schemas from the SDK's types; every $ref resolves; /docs works offline."""

from __future__ import annotations

import re
from typing import get_args

import httpx
from fastapi.routing import APIRoute
from openai.types import FilePurpose
from openai.types.file_create_params import ExpiresAfter, FileCreateParams
from openai.types.uploads.part_create_params import PartCreateParams as UploadPartCreateParams

from responses_mock.config import Settings
from responses_mock.main import create_app
from responses_mock.routes import V1

OPERATIONS = [op for endpoints in V1 for op in endpoints.operations]


def _refs(node, found):
    if isinstance(node, dict):
        if "$ref" in node:
            found.add(node["$ref"])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_every_v1_endpoint_is_an_api_route(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    routes = {(method, route.path): route for route in app.routes if isinstance(route, APIRoute)
              for method in route.methods}
    declared = {(op.method, op.path) for op in OPERATIONS}
    assert declared <= set(routes)
    assert {path for _, path in declared} >= {
        "/v1/responses", "/v1/responses/{response_id}", "/v1/responses/{response_id}/cancel",
        "/v1/responses/{response_id}/input_items", "/v1/responses/input_tokens", "/v1/responses/compact",
        "/v1/conversations", "/v1/conversations/{conversation_id}", "/v1/conversations/{conversation_id}/items",
        "/v1/conversations/{conversation_id}/items/{item_id}", "/v1/models", "/v1/models/{model_id}"}
    v1_paths = {route.path for route in app.routes if getattr(route, "path", "").startswith("/v1")}
    assert v1_paths == {path for _, path in declared}  # nothing under /v1 bypasses FastAPI


def test_openapi_document_describes_the_api(server):
    doc = httpx.get(f"{server.url}/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for op in OPERATIONS:
        operation = doc["paths"][op.path][op.method.lower()]
        assert operation["operationId"] and operation["summary"]
        if op.body is not None:
            assert operation["requestBody"]["content"]["application/json"]["schema"]
        elif op.form is not None:
            assert operation["requestBody"]["content"]["multipart/form-data"]["schema"] == op.form
        if op.reply is not None:
            assert operation["responses"]["200"]["content"]["application/json"]["schema"]
    # The multipart bodies: the SDK's fields (a nested one as the SDK sends it, `name[key]`).
    files = doc["paths"]["/v1/files"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    sent = {f"{name}[{key}]" if name == "expires_after" else name
            for name in FileCreateParams.__annotations__
            for key in (ExpiresAfter.__annotations__ if name == "expires_after" else [None])}
    assert set(files["properties"]) == set(sent) and files["required"] == ["file", "purpose"]
    assert files["properties"]["purpose"]["enum"] == list(get_args(FilePurpose))
    part = doc["paths"]["/v1/uploads/{upload_id}/parts"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert set(part["schema"]["properties"]) == set(UploadPartCreateParams.__annotations__) == {"data"}
    create = doc["paths"]["/v1/responses"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"model", "input", "stream", "background", "tools"} <= set(create["properties"])
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc, set()):
        assert ref.rsplit("/", 1)[-1] in schemas, ref
    for path in ("/v1/responses/{response_id}/input_items", "/v1/conversations/{conversation_id}/items"):
        names = {p["name"] for p in doc["paths"][path]["get"]["parameters"]}
        assert {"limit", "order", "after"} <= names
    retrieve = {p["name"]: p["in"] for p in doc["paths"]["/v1/responses/{response_id}"]["get"]["parameters"]}
    assert retrieve["response_id"] == "path" and retrieve["stream"] == "query"
    assert "/__admin/fixtures" in doc["paths"] and "/metrics" in doc["paths"]


def test_docs_pages_load_nothing_from_the_network(server):
    for page in ("/docs", "/redoc"):
        html = httpx.get(f"{server.url}{page}").text
        assert not re.search(r"(src|href|url)\s*[=:(]\s*[\"']?(https?:)?//", html), page
        for asset in re.findall(r"(?:src|href)=[\"']([^\"']+)", html):
            assert httpx.get(f"{server.url}{asset}").status_code == 200, asset
    assert '"validatorUrl": null' in httpx.get(f"{server.url}/docs").text  # no call to swagger.io
