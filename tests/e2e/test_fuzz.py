"""Fuzzing every /v1 operation of our own /openapi.json with schemathesis: whatever the body,
query or path, the server answers without a 5xx, and its 200s match the schemas it documents.

Request bodies are generated from a shallow copy of each documented body schema (its $refs
resolved three levels deep, anything beneath): hypothesis needs ~100 s to build a strategy for
the full CreateResponse union (measured), and random content beneath the top levels is what
probes the server's own validation anyway. Replies are checked against the full schemas.
Bounded (a few dozen examples an operation) so the suite stays fast; the hand-made bad inputs
are regression tests beside it (tests/e2e/test_errors.py, test_limits.py)."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from responses_mock.config import Settings
from responses_mock.main import create_app
from tests.conftest import new_key

pytestmark = pytest.mark.slow  # schemathesis over every operation, both stores

EXAMPLES = int(os.environ.get("RESPONSES_MOCK_FUZZ_EXAMPLES", 25))
BODY_DEPTH = 3


def _shallow(node: object, components: dict, depth: int) -> object:
    """`node` with $refs inlined down to `depth` levels of schema, and anything (`{}`) below."""
    if isinstance(node, list):
        return [_shallow(n, components, depth) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        if depth <= 0:
            return {}
        return _shallow(components[node["$ref"].rsplit("/", 1)[-1]], components, depth - 1)
    return {k: _shallow(v, components, depth - (k in ("properties", "items", "anyOf", "oneOf", "allOf")))
            for k, v in node.items()}


def _document() -> dict:
    with tempfile.TemporaryDirectory() as tmp:  # the document needs the app, not its store
        doc = copy.deepcopy(create_app(Settings(data_dir=Path(tmp))).openapi())
    components = doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for operation in item.values():
            content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            if path.startswith("/v1/") and content:
                content["schema"] = _shallow(content["schema"], components, BODY_DEPTH)
    return doc


schema = schemathesis.openapi.from_dict(_document()).include(path_regex=r"^/v1/")


class Fuzzed:
    def __init__(self, url: str) -> None:
        self.url, self.key, self.statuses = url, new_key(), []


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzzed(request, make_server):
    target = Fuzzed(make_server(request.param).url)
    yield target
    # Whatever was sent, the journal kept every request (a body the store cannot hold included).
    journal, params = [], {"limit": 1000}
    with httpx.Client(base_url=f"{target.url}/__admin", headers={"Authorization": f"Bearer {target.key}"}) as admin:
        while True:
            page = admin.get("/requests", params=params).json()
            journal += page["data"]
            if not page["has_more"]:
                break
            params["after"] = page["last_cursor"]
    assert sorted(e["status"] for e in journal) == sorted(target.statuses)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_5xx_and_replies_match_their_schemas(case, fuzzed):
    response = case.call(base_url=fuzzed.url, headers={"Authorization": f"Bearer {fuzzed.key}"}, timeout=30)
    fuzzed.statuses.append(response.status_code)
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
