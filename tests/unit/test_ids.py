"""Ids (ids.py): the prefixes of the spec's examples, time-ordered within a process, unique."""

from __future__ import annotations

import json
from pathlib import Path

from responses_mock import ids

SPEC = json.loads((Path(__file__).parents[1] / "spec" / "openapi-subset.json").read_text())


def _example(node: object) -> object:
    if not isinstance(node, dict):
        return None
    if "example" in node:
        return node["example"]
    return next((e for b in node.get("anyOf", []) + node.get("oneOf", []) if (e := _example(b))), None)


def test_item_ids_have_the_prefixes_of_the_spec_examples():
    found = {}
    for schema in SPEC["components"]["schemas"].values():
        props = schema.get("properties") or {}
        kinds = (props.get("type") or {}).get("enum") or []
        example = _example(props.get("id"))
        if len(kinds) == 1 and isinstance(example, str) and "_" in example:
            found[kinds[0]] = example.split("_")[0]
    assert found["shell_call"] == "sh" and found["additional_tools"] == "at"
    found.pop("function_call_output")  # its example repeats the call's `fc`; ours stay `fco`
    assert {kind: ids.ITEM_PREFIXES.get(kind) for kind in found} == found
    assert ids.item_id("shell_call").startswith("sh_")


def test_ids_look_real_and_differ():
    made = {ids.response_id() for _ in range(10_000)}
    assert len(made) == 10_000
    rid = next(iter(made))
    assert rid.startswith("resp_") and len(rid) == 5 + 48 and int(rid[5:], 16) >= 0
    in_order = [ids.response_id() for _ in range(100)]
    assert in_order == sorted(in_order)  # a process's ids append to the indexes
    assert ids.request_id().startswith("req_") and len(ids.request_id()) == 36


def test_request_ids_are_made_ahead_unique_and_never_shared_with_a_forked_child():
    made = [ids.request_id() for _ in range(3 * ids._BLOCK)]  # past a block: a refill
    assert len(set(made)) == len(made)
    assert all(len(r) == 36 and r.startswith("req_") and int(r[4:], 16) >= 0 for r in made)
    assert ids._request_ids  # some made ahead…
    ids._reseed()  # …which a forked child (os.register_at_fork) does not inherit
    assert ids._request_ids == [] and ids.request_id() not in made
