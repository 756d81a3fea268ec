"""Validates what the server sends against the official OpenAPI document.

The schemas come from tests/spec/openapi-subset.json: the part of the official document the suite
needs, derived by scripts/derive-spec-schemas (so a clone tests itself with nothing beside it).
The operation is found from the request's method and path in the spec's `paths`; its documented
schema for the status is applied. Error bodies are checked against `Error` inside the envelope.
"""

from __future__ import annotations

import os
import re
from functools import cache, lru_cache
from pathlib import Path

import orjson
from jsonschema import Draft202012Validator

SPEC_PATH = Path(os.environ.get("RESPONSES_MOCK_TEST_SPEC") or Path(__file__).resolve().parent / "spec" / "openapi-subset.json")


def require_spec() -> None:
    """Fail at once, saying what is missing and where, rather than in every test that validates."""
    if not SPEC_PATH.is_file():
        raise FileNotFoundError(
            f"{SPEC_PATH} is missing: it holds the official schemas the suite validates against. "
            "Restore it from git, or derive it with scripts/derive-spec-schemas from the OpenAPI document.")


@lru_cache(maxsize=1)
def _spec() -> dict:
    require_spec()
    return orjson.loads(SPEC_PATH.read_bytes())


@cache
def validator(schema_name: str) -> Draft202012Validator:
    spec = _spec()
    root = {"components": spec["components"], "$ref": f"#/components/schemas/{schema_name}"}
    return Draft202012Validator(root)


@lru_cache(maxsize=1)
def _operations() -> list[tuple[re.Pattern, str, dict]]:
    ops = []
    for template, item in _spec()["paths"].items():
        if "?" in template:
            continue
        pattern = re.compile("^/v1" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                ops.append((pattern, method.upper(), op))
    # Literal paths before templated ones: /responses/input_tokens is not /responses/{id}.
    ops.sort(key=lambda o: o[0].pattern.count("[^/]+"))
    return ops


def schema_for(method: str, path: str, status: int) -> str | None:
    for pattern, op_method, op in _operations():
        if op_method == method and pattern.match(path):
            resp = op["responses"].get(str(status)) or {}
            ref = ((resp.get("content") or {}).get("application/json") or {}).get("schema", {}).get("$ref")
            return ref.rsplit("/", 1)[-1] if ref else None
    return None


class SpecViolation(AssertionError):
    pass


# Where the schema contradicts the real API as the spec itself documents it. Each entry is one
# exact path that may be null, and why; nothing else is excused.
ERRATA = {
    ("Response", ("user",)): "the schema says string, but the spec's createResponse example sends null",
    # No usage exists before a run ends (or when a queued response is cancelled before it ran).
    ("Response", ("usage",)): "unfinished",
    # An empty page has no item to name; the real API sends null rather than an invented id.
    ("ResponseItemList", ("first_id",)): "empty page",
    ("ResponseItemList", ("last_id",)): "empty page",
    ("ConversationItemList", ("first_id",)): "empty page",
    ("ConversationItemList", ("last_id",)): "empty page",
    ("ListFilesResponse", ("first_id",)): "empty page",
    ("ListFilesResponse", ("last_id",)): "empty page",
    ("ListVectorStoresResponse", ("first_id",)): "empty page",
    ("ListVectorStoresResponse", ("last_id",)): "empty page",
    ("ListVectorStoreFilesResponse", ("first_id",)): "empty page",
    ("ListVectorStoreFilesResponse", ("last_id",)): "empty page",
}


# Values the SDK's types (ahead of the spec, which wins where they differ) add to a spec enum.
NEWER_THAN_SPEC = {
    ("Response", ("incomplete_details",)): {"reason": "steered"},  # WebSocket steering
}


def _excused(name: str, error, body: object) -> bool:
    key = (name, tuple(error.absolute_path))
    if key in NEWER_THAN_SPEC and NEWER_THAN_SPEC[key] == error.instance:  # not .get(): a null instance
        return True
    if error.instance is not None or (name, tuple(error.absolute_path)) not in ERRATA:
        return False
    why = ERRATA[(name, tuple(error.absolute_path))]
    if why == "empty page":
        return body.get("data") == []
    if why == "unfinished":
        return body.get("status") in ("queued", "in_progress", "cancelled")
    return True


def check(method: str, path: str, status: int, body: object) -> str | None:
    """Raise SpecViolation if `body` breaks the spec; return the schema name that was applied."""
    if status >= 400:
        name, body = "Error", body.get("error") if isinstance(body, dict) else body
    else:
        name = schema_for(method, path, status)
    if name is None:
        return None
    errors = sorted((e for e in validator(name).iter_errors(body) if not _excused(name, e, body)),
                    key=lambda e: list(e.absolute_path))
    if errors:
        detail = "\n".join(f"  at {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])
        raise SpecViolation(f"{method} {path} → {status} does not match {name}:\n{detail}")
    return name


@lru_cache(maxsize=1)
def _event_schemas() -> dict[str, str]:
    """Stream event type → its schema, from the members of `ResponseStreamEvent`."""
    schemas = _spec()["components"]["schemas"]
    found = {}
    for member in schemas["ResponseStreamEvent"]["anyOf"]:
        name = member["$ref"].rsplit("/", 1)[-1]
        found[schemas[name]["properties"]["type"]["enum"][0]] = name
    return found


def check_event(event: dict) -> str:
    """Raise SpecViolation unless `event` is one of the spec's `ResponseStreamEvent`s."""
    name = _event_schemas().get(event.get("type"))
    if name is None:
        raise SpecViolation(f"unknown stream event type {event.get('type')!r}")
    inner = event.get("response")

    def excused(error) -> bool:  # the Response errata apply to the response an event carries
        path = tuple(error.absolute_path)
        return path[:1] == ("response",) and _excused("Response", _Shifted(error), inner)

    errors = [e for e in validator(name).iter_errors(event) if not excused(e)]
    if errors:
        detail = "\n".join(f"  at {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])
        raise SpecViolation(f"event {event['type']} does not match {name}:\n{detail}")
    return name


class _Shifted:
    """An error seen from inside the event's `response` field."""

    def __init__(self, error) -> None:
        self.instance = error.instance
        self.absolute_path = list(error.absolute_path)[1:]
