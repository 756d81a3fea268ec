"""The server's own OpenAPI document describes our endpoints with request and response schemas
(from the SDK's types), every $ref resolves, and /docs is served."""

from __future__ import annotations

import httpx

from responses_mock.wire.openapi import OPERATIONS


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


def test_openapi_document_describes_the_api(server):
    doc = httpx.get(f"{server.url}/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for (method, path), (body, reply) in OPERATIONS.items():
        operation = doc["paths"][path][method]
        if body is not None:
            assert operation["requestBody"]["content"]["application/json"]["schema"]
        if reply is not None:
            assert operation["responses"]["200"]["content"]["application/json"]["schema"]
    create = doc["paths"]["/v1/responses"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"model", "input", "stream", "background", "tools"} <= set(create["properties"])
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc, set()):
        assert ref.rsplit("/", 1)[-1] in schemas, ref
    for path in ("/v1/responses/{response_id}/input_items", "/v1/conversations/{conversation_id}/items"):
        names = {p["name"] for p in doc["paths"][path]["get"]["parameters"]}
        assert {"limit", "order", "after"} <= names
    assert "/__admin/fixtures" in doc["paths"] and "/metrics" in doc["paths"]
    assert httpx.get(f"{server.url}/docs").status_code == 200
