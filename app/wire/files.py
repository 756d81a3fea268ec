"""Shapes of the Files, Uploads and Vector stores APIs: their request bodies (the SDK's TypedDicts,
strict, errors in the real API's words) and the objects they answer with (the spec's FileObject,
Upload, UploadPart, VectorStore, VectorStoreFile, file batch and search results page)."""

from __future__ import annotations

import re
import time
from typing import Literal, Required

import orjson
from openai.types.upload_complete_params import UploadCompleteParams
from openai.types.upload_create_params import UploadCreateParams
from openai.types.vector_store_create_params import VectorStoreCreateParams
from openai.types.vector_store_search_params import VectorStoreSearchParams
from openai.types.vector_store_update_params import VectorStoreUpdateParams
from openai.types.vector_stores.file_batch_create_params import FileBatchCreateParams
from openai.types.vector_stores.file_create_params import FileCreateParams
from pydantic import ConfigDict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from responses_mock.errors import InvalidRequest
from responses_mock.wire.wording import LazyErrors, kind_of, materialize, validation_error

_FORBID = ConfigDict(extra="forbid", strict=True)

# Purposes a file may be created with (the SDK's FilePurpose), in the real API's order.
PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
# The multipart bodies, for the OpenAPI document (routes read them with Starlette's form parser):
# the fields as the SDK sends them, a nested one as `name[key]`.
FILE_FORM = {"type": "object", "required": ["file", "purpose"], "properties": {
    "file": {"type": "string", "format": "binary", "description": "The file's bytes; its part's filename names it."},
    "purpose": {"type": "string", "enum": list(PURPOSES)},
    "expires_after[anchor]": {"type": "string", "enum": ["created_at"]},
    "expires_after[seconds]": {"type": "integer", "minimum": 3600, "maximum": 2592000},
}}
UPLOAD_PART_FORM = {"type": "object", "required": ["data"], "properties": {
    "data": {"type": "string", "format": "binary", "description": "One part's bytes (at most 64 MB)."},
}}
# The real defaults of the `auto` chunking strategy (the file_search guide: 800-token chunks, 400 overlap).
AUTO_CHUNK_TOKENS, AUTO_OVERLAP_TOKENS = 800, 400


class _VectorStoreCreate(VectorStoreCreateParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class _VectorStoreUpdate(VectorStoreUpdateParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class _VectorStoreFileCreate(FileCreateParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class _VectorStoreFileUpdate(TypedDict, total=False):
    # The SDK's FileUpdateParams, less `vector_store_id` (a path parameter it lists among them).
    attributes: Required[dict[str, str | float | bool] | None]
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class _FileBatchCreate(FileBatchCreateParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class _Search(VectorStoreSearchParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class _UploadCreate(UploadCreateParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class _UploadComplete(UploadCompleteParams, total=False):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


VECTOR_STORE_CREATE = TypeAdapter(_VectorStoreCreate)
VECTOR_STORE_UPDATE = TypeAdapter(_VectorStoreUpdate)
VECTOR_STORE_FILE_CREATE = TypeAdapter(_VectorStoreFileCreate)
VECTOR_STORE_FILE_UPDATE = TypeAdapter(_VectorStoreFileUpdate)
FILE_BATCH_CREATE = TypeAdapter(_FileBatchCreate)
SEARCH = TypeAdapter(_Search)
UPLOAD_CREATE = TypeAdapter(_UploadCreate)
UPLOAD_COMPLETE = TypeAdapter(_UploadComplete)

# Query parameters, keyed as sent (routes/api.py validates them).
class FileListQuery(TypedDict, total=False):
    limit: int
    order: Literal["asc", "desc"]
    after: str
    purpose: str
class StorePageQuery(TypedDict, total=False):
    limit: int
    order: Literal["asc", "desc"]
    after: str
    before: str
class StoreFilesQuery(TypedDict, total=False):
    limit: int
    order: Literal["asc", "desc"]
    after: str
    before: str
    filter: Literal["in_progress", "completed", "failed", "cancelled"]


def validate(adapter: TypeAdapter, data: dict) -> dict:
    try:
        params = materialize(adapter.validate_python(data))
    except ValidationError as exc:
        raise validation_error(exc.errors(), data) from None
    except LazyErrors as exc:
        raise validation_error(exc.errors, data) from None
    # Attributes as sent: the SDK types their numbers `float`, which would turn 2024 into 2024.0.
    if isinstance(data.get("attributes"), dict):
        params["attributes"] = data["attributes"]
    for given, checked in zip(data.get("files") or [], params.get("files") or [], strict=False):
        if isinstance(given, dict) and isinstance(given.get("attributes"), dict):
            checked["attributes"] = given["attributes"]
    return params


def check_range(value: int | float, param: str, low: float, high: float) -> None:
    if value < low:
        raise InvalidRequest(f"Invalid '{param}': integer below minimum value. Expected a value >= {low}, but got "
                             f"{value} instead.", param=param, code="integer_below_min_value")
    if value > high:
        raise InvalidRequest(f"Invalid '{param}': integer above maximum value. Expected a value <= {high}, but got "
                             f"{value} instead.", param=param, code="integer_above_max_value")


def check_length(items: list, param: str, high: int) -> None:
    if len(items) > high:
        raise InvalidRequest(f"Invalid '{param}': array too long. Expected an array with maximum length {high}, but "
                             f"got an array with length {len(items)} instead.", param=param,
                             code="array_above_max_length")


def check_string(value: str, param: str, high: int) -> None:
    if len(value) > high:
        raise InvalidRequest(f"Invalid '{param}': string too long. Expected a string with maximum length {high}, but "
                             f"got a string with length {len(value)} instead.", param=param,
                             code="string_above_max_length")


# A file's name as kept: no control characters (a CR/LF would break the download's headers), at
# most MAX_FILENAME characters (no public record of the real bound: a common filesystem's 255 × 2).
MAX_FILENAME = 512
MAX_MIME_TYPE = 255  # a MIME type's characters (RFC 6838 bounds each half to 127)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def filename(value: str, param: str = "filename") -> str:
    check_string(value, param, MAX_FILENAME)
    return _CONTROL.sub("", value)


COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
MAX_FILTER_NODES = 64  # comparisons and compounds of one filter tree (no public record of the real bound)


def check_filters(filters: object, param: str = "filters") -> None:
    """A ComparisonFilter or CompoundFilter, nested ones too (the SDK types a compound's members
    `Union[ComparisonFilter, object]`, so its validation does not reach them): the one check of
    the search endpoint and the file_search tool."""
    if filters is None:
        return
    stack, seen = [(filters, param)], 0
    while stack:
        node, at = stack.pop()
        seen += 1
        if seen > MAX_FILTER_NODES:
            raise InvalidRequest(f"Invalid '{param}': a filter may hold at most {MAX_FILTER_NODES} comparisons and "
                                 "compound filters.", param=param, code="invalid_value")
        if not isinstance(node, dict):
            raise InvalidRequest(f"Invalid type for '{at}': expected an object, but got {kind_of(node)} instead.",
                                 param=at, code="invalid_type")
        kind = node.get("type")
        if kind in ("and", "or"):
            members = node.get("filters")
            if not isinstance(members, list):
                raise InvalidRequest(f"Missing required parameter: '{at}.filters'.", param=f"{at}.filters",
                                     code="missing_required_parameter")
            stack.extend((m, f"{at}.filters[{i}]") for i, m in reversed(list(enumerate(members))))
            continue
        if kind is None:
            raise InvalidRequest(f"Missing required parameter: '{at}.type'.", param=f"{at}.type",
                                 code="missing_required_parameter")
        if kind not in COMPARISONS:
            listed = ", ".join(f"'{k}'" for k in (*COMPARISONS, "and")) + ", and 'or'"
            shown = f"'{kind}'" if isinstance(kind, str) else orjson.dumps(kind).decode()
            raise InvalidRequest(f"Invalid value: {shown}. Supported values are: {listed}.", param=f"{at}.type",
                                 code="invalid_value")
        for field in ("key", "value"):
            if field not in node:
                raise InvalidRequest(f"Missing required parameter: '{at}.{field}'.", param=f"{at}.{field}",
                                     code="missing_required_parameter")
        if not isinstance(node["key"], str):
            raise InvalidRequest(f"Invalid type for '{at}.key': expected a string, but got {kind_of(node['key'])} "
                                 "instead.", param=f"{at}.key", code="invalid_type")


def check_attributes(attributes: dict | None, param: str = "attributes") -> None:
    """At most 16 pairs; keys ≤ 64 characters; string values ≤ 512."""
    if not attributes:
        return
    if len(attributes) > 16:
        raise InvalidRequest(f"Invalid '{param}': too many properties. Expected an object with at most 16 "
                             f"properties, but got an object with {len(attributes)} properties instead.",
                             param=param, code="object_above_max_properties")
    for key, value in attributes.items():
        if len(key) > 64:
            raise InvalidRequest(f"Invalid '{param}': attribute key is too long. Expected a string with maximum "
                                 f"length 64, but got a string with length {len(key)} instead.",
                                 param=f"{param}.{key}", code="string_above_max_length")
        if isinstance(value, str) and len(value) > 512:
            raise InvalidRequest(f"Invalid '{param}.{key}': string too long. Expected a string with maximum length "
                                 f"512, but got a string with length {len(value)} instead.",
                                 param=f"{param}.{key}", code="string_above_max_length")


def chunking(strategy: dict | None, param: str = "chunking_strategy") -> dict:
    """The static strategy applied (as a VectorStoreFile reports it): `auto` is 800/400."""
    if not strategy or strategy.get("type") == "auto":
        return {"max_chunk_size_tokens": AUTO_CHUNK_TOKENS, "chunk_overlap_tokens": AUTO_OVERLAP_TOKENS}
    static = strategy["static"]
    size, overlap = static["max_chunk_size_tokens"], static["chunk_overlap_tokens"]
    check_range(size, f"{param}.static.max_chunk_size_tokens", 100, 4096)
    if overlap < 0 or overlap > size // 2:
        raise InvalidRequest(f"Invalid '{param}.static.chunk_overlap_tokens': chunk_overlap_tokens must be "
                             f"non-negative and should not exceed half of max_chunk_size_tokens ({size // 2}).",
                             param=f"{param}.static.chunk_overlap_tokens", code="invalid_value")
    return {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}


def check_expires_after(expires: dict | None, param: str, low: int, high: int, field: str) -> None:
    if expires:
        check_range(expires[field], f"{param}.{field}", low, high)


def purpose(value: object, param: str = "purpose") -> str:
    if value is None or value == "":
        raise InvalidRequest(f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")
    if value not in PURPOSES:
        listed = ", ".join(f"'{p}'" for p in PURPOSES[:-1]) + f", and '{PURPOSES[-1]}'"
        raise InvalidRequest(f"Invalid value: '{value}'. Supported values are: {listed}.", param=param,
                             code="invalid_value")
    return str(value)


def page_limit(query: dict, default: int, high: int) -> int:
    limit = query.get("limit", default)
    check_range(limit, "limit", 1, high)
    return limit


# -- objects ---------------------------------------------------------------------------------

def file_object(id: str, *, bytes: int, created_at: int, filename: str, purpose: str,
                expires_at: int | None) -> dict:
    obj = {"id": id, "object": "file", "bytes": bytes, "created_at": created_at, "filename": filename,
           "purpose": purpose, "status": "processed"}
    if expires_at is not None:  # the spec types it an integer: absent, not null, when the file never expires
        obj["expires_at"] = expires_at
    return obj


def page(data: list[dict], has_more: bool) -> dict:
    return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": has_more}


def deleted(id: str, object: str) -> dict:
    return {"id": id, "object": object, "deleted": True}


def upload(id: str, *, bytes: int, created_at: int, expires_at: int, filename: str, purpose: str, status: str,
           file: dict | None) -> dict:
    return {"id": id, "object": "upload", "bytes": bytes, "created_at": created_at, "expires_at": expires_at,
            "filename": filename, "purpose": purpose, "status": status, "file": file}


def upload_part(id: str, created_at: int, upload_id: str) -> dict:
    return {"id": id, "object": "upload.part", "created_at": created_at, "upload_id": upload_id}


def file_counts(counts: dict[str, int]) -> dict:
    keys = ("in_progress", "completed", "failed", "cancelled")
    found = {k: counts.get(k, 0) for k in keys}
    return {**found, "total": sum(found.values())}


def store_expires_at(last_active_at: int, expires_days: int | None) -> int | None:
    """When a vector store expires: `expires_after.days` after it was last active (the only anchor)."""
    return None if expires_days is None else last_active_at + expires_days * 86400


def store_expired(last_active_at: int, expires_days: int | None, now: int) -> bool:
    expires_at = store_expires_at(last_active_at, expires_days)
    return expires_at is not None and expires_at <= now


def vector_store(id: str, *, created_at: int, name: str, metadata: dict, usage_bytes: int, counts: dict,
                 last_active_at: int, expires_days: int | None, description: str | None = None) -> dict:
    expired = store_expired(last_active_at, expires_days, _now())
    status = "expired" if expired else "in_progress" if counts["in_progress"] else "completed"
    obj = {"id": id, "object": "vector_store", "created_at": created_at, "name": name, "usage_bytes": usage_bytes,
           "file_counts": counts, "status": status, "last_active_at": last_active_at, "metadata": metadata,
           "expires_at": store_expires_at(last_active_at, expires_days)}
    if expires_days is not None:
        obj["expires_after"] = {"anchor": "last_active_at", "days": expires_days}
    if description is not None:
        obj["description"] = description
    return obj


def vector_store_file(file_id: str, *, vector_store_id: str, created_at: int, status: str, usage_bytes: int,
                      attributes: dict | None, chunking: dict, last_error: dict | None) -> dict:
    return {"id": file_id, "object": "vector_store.file", "usage_bytes": usage_bytes, "created_at": created_at,
            "vector_store_id": vector_store_id, "status": status, "last_error": last_error,
            "chunking_strategy": {"type": "static", "static": chunking}, "attributes": attributes}


def file_batch(id: str, *, vector_store_id: str, created_at: int, status: str, counts: dict) -> dict:
    return {"id": id, "object": "vector_store.files_batch", "created_at": created_at,
            "vector_store_id": vector_store_id, "status": status, "file_counts": counts}


def search_result(file_id: str, filename: str, score: float, attributes: dict | None, text: str) -> dict:
    return {"file_id": file_id, "filename": filename, "score": score, "attributes": attributes,
            "content": [{"type": "text", "text": text}]}


def search_page(queries: list[str], results: list[dict]) -> dict:
    return {"object": "vector_store.search_results.page", "search_query": queries, "data": results,
            "has_more": False, "next_page": None}


def file_content_page(text: str | None) -> dict:
    return {"object": "vector_store.file_content.page", "data": [] if text is None else [{"type": "text", "text": text}],
            "has_more": False, "next_page": None}


def _now() -> int:
    return int(time.time())
