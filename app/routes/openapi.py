"""Our OpenAPI document (FastAPI's /openapi.json, /docs): FastAPI describes every route itself;
the /v1 operations' request and reply bodies are added from the official SDK's types — the same
source the validation uses — with their definitions under components."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from responses_mock.routes.api import Operation
from responses_mock.wire.files import PURPOSES

REF = "#/components/schemas/{model}"


def _page_ids_nullable(schema: dict) -> dict:
    """The SDK types a page's first_id/last_id as strings, but an empty page has no item to name:
    the real API sends null, and so do we. Say so."""
    props = schema.get("properties", {})
    if "data" in props:
        for field in ("first_id", "last_id"):
            if field in props:
                props[field] = {"anyOf": [{"type": "string"}, {"type": "null"}], "title": props[field].get("title")}
    return schema


def _file_purposes(schema: dict) -> dict:
    """The SDK's FileObject lists the purposes a file is reported with, but not every purpose a
    file is created with (its FilePurpose has `evals`): a file keeps the purpose it was given, as
    the real API's do. Say so."""
    purpose = schema.get("properties", {}).get("purpose", {})
    if schema.get("title") == "FileObject" and "enum" in purpose:
        purpose["enum"] += [p for p in PURPOSES if p not in purpose["enum"]]
    return schema


def _schema(adapter: TypeAdapter, components: dict) -> dict:
    schema = adapter.json_schema(ref_template=REF, mode="validation")
    components.update(schema.pop("$defs", {}))
    return schema


def install(app: FastAPI, operations: Iterable[Operation]) -> None:
    operations = list(operations)

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, routes=app.routes,
                          description="The OpenAI Responses API, served by deterministic fake models.")
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        for op in operations:
            operation = doc["paths"][op.path][op.method.lower()]
            if op.body is not None:
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _schema(op.body, components)}}}
            elif op.form is not None:
                operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": op.form}}}
            if op.reply is not None:
                operation["responses"]["200"] = {"description": "OK", "content": {
                    "application/json": {"schema": _file_purposes(_page_ids_nullable(_schema(TypeAdapter(op.reply), components)))}}}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
