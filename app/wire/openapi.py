"""Our own OpenAPI document (FastAPI's /openapi.json, /docs): FastAPI describes its own routes
(health, admin); the /v1 paths come from our router's table, with request and response schemas
from the official SDK's types — the same source the validation uses."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from openai.types.conversations import Conversation, ConversationDeletedResource, ConversationItem
from openai.types.conversations.conversation_item_list import ConversationItemList
from openai.types.responses import CompactedResponse, Response
from openai.types.responses.input_token_count_response import InputTokenCountResponse
from openai.types.responses.response_item_list import ResponseItemList
from pydantic import TypeAdapter

from responses_mock.routes.router import Route, Router
from responses_mock.wire import requests

REF = "#/components/schemas/{model}"

# (method, path) → (request body adapter or None, response model or None)
OPERATIONS: dict[tuple[str, str], tuple[TypeAdapter | None, type | None]] = {
    ("post", "/v1/responses"): (requests._CREATE, Response),
    ("get", "/v1/responses/{response_id}"): (None, Response),
    ("post", "/v1/responses/{response_id}/cancel"): (None, Response),
    ("get", "/v1/responses/{response_id}/input_items"): (None, ResponseItemList),
    ("post", "/v1/responses/input_tokens"): (requests._COUNT, InputTokenCountResponse),
    ("post", "/v1/responses/compact"): (requests._COMPACT, CompactedResponse),
    ("post", "/v1/conversations"): (requests._CREATE_CONVERSATION, Conversation),
    ("get", "/v1/conversations/{conversation_id}"): (None, Conversation),
    ("post", "/v1/conversations/{conversation_id}"): (requests._UPDATE_CONVERSATION, Conversation),
    ("delete", "/v1/conversations/{conversation_id}"): (None, ConversationDeletedResource),
    ("post", "/v1/conversations/{conversation_id}/items"): (requests._CREATE_ITEMS, ConversationItemList),
    ("get", "/v1/conversations/{conversation_id}/items"): (None, ConversationItemList),
    ("get", "/v1/conversations/{conversation_id}/items/{item_id}"): (None, ConversationItem),
    ("delete", "/v1/conversations/{conversation_id}/items/{item_id}"): (None, Conversation),
}


def _schema(adapter: TypeAdapter, components: dict) -> dict:
    schema = adapter.json_schema(ref_template=REF, mode="validation")
    components.update(schema.pop("$defs", {}))
    return schema


def _parameters(route: Route) -> list[dict]:
    found = [{"name": s[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
             for s in route.segments if s[0] == "{"]
    if route.query is not None:
        for name, schema in route.query.json_schema(ref_template=REF)["properties"].items():
            found.append({"name": name, "in": "query", "required": False, "schema": schema})
    return found


def _operations(router: Router) -> dict[str, dict]:
    paths: dict[str, dict] = {}
    for route in router.routes:
        doc = (route.handler.__doc__ or "").strip()
        paths.setdefault(router.prefix + route.path, {})[route.method.lower()] = {
            "tags": list(route.tags), "summary": doc.split("\n")[0], "operationId": route.handler.__name__,
            "parameters": _parameters(route), "responses": {"200": {"description": "OK"}},
        }
    return paths


def install(app: FastAPI, api: Router) -> None:
    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, routes=app.routes,
                          description="The OpenAI Responses API, served by deterministic fake models.")
        doc["paths"] = {**_operations(api), **doc["paths"]}
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        for (method, path), (body, reply) in OPERATIONS.items():
            operation = doc["paths"].get(path, {}).get(method)
            if operation is None:
                continue
            if body is not None:
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _schema(body, components)}}}
            if reply is not None:
                operation["responses"]["200"] = {"description": "OK", "content": {
                    "application/json": {"schema": _schema(TypeAdapter(reply), components)}}}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
