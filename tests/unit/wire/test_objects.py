"""The object builders (wire/objects.py): a fresh Response echoes the request with the real API's
defaults and matches the spec's `Response` schema (tests/spec_check.py) as built and as finished;
input items, lists, conversations and counts match theirs too."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pytest

from responses_mock import ids
from responses_mock.wire import objects
from tests import spec_check


@dataclass
class Model:
    snapshot: str = "gpt-5-mini-2025-08-07"
    reasoning: bool = True
    default_effort: str | None = "medium"


def fresh(params: dict, model: Model | None = None, status: str = "in_progress", **kw) -> dict:
    return objects.response(id=ids.response_id(), created_at=1_700_000_000, params={"model": "m", **params},
                            model=model or Model(), status=status, **kw)


def test_a_fresh_response_has_the_real_defaults():
    r = fresh({"input": "hi"})
    assert spec_check.check("POST", "/v1/responses", 200, r) == "Response"
    assert list(r)[:4] == ["id", "object", "created_at", "status"]
    assert {k: r[k] for k in ("object", "background", "completed_at", "error", "incomplete_details", "output",
                              "usage", "metadata", "store", "parallel_tool_calls", "tools")} == {
        "object": "response", "background": False, "completed_at": None, "error": None, "incomplete_details": None,
        "output": [], "usage": None, "metadata": {}, "store": True, "parallel_tool_calls": True, "tools": []}
    assert (r["temperature"], r["top_p"], r["top_logprobs"], r["frequency_penalty"], r["presence_penalty"]) == (
        1.0, 1.0, 0, 0.0, 0.0)
    assert (r["tool_choice"], r["truncation"], r["service_tier"], r["model"]) == (
        "auto", "disabled", "default", "gpt-5-mini-2025-08-07")
    assert r["text"] == {"format": {"type": "text"}, "verbosity": "medium"}
    assert r["reasoning"] == {"context": None, "effort": "medium", "summary": None}  # the model's default effort
    assert "conversation" not in r


def test_the_request_is_echoed():
    tool = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}, "strict": None}
    r = fresh({"instructions": "Be brief.", "temperature": 0.2, "top_p": 0.5, "max_output_tokens": 100,
               "store": False, "parallel_tool_calls": False, "tools": [tool], "tool_choice": "required",
               "metadata": {"k": "v"}, "service_tier": "flex", "conversation": "conv_1", "user": "u",
               "reasoning": {"effort": "low", "summary": "auto"}, "text": {"verbosity": "low"}},
              background=True, status="queued")
    assert spec_check.check("POST", "/v1/responses", 200, r) == "Response"
    assert (r["instructions"], r["temperature"], r["top_p"], r["max_output_tokens"]) == ("Be brief.", 0.2, 0.5, 100)
    assert (r["store"], r["parallel_tool_calls"], r["background"], r["status"]) == (False, False, True, "queued")
    assert r["tools"] == [{**tool, "strict": True}]  # a function tool left without strict is echoed strict
    assert (r["tool_choice"], r["metadata"], r["service_tier"], r["user"]) == ("required", {"k": "v"}, "flex", "u")
    assert r["conversation"] == {"id": "conv_1"}
    assert r["reasoning"] == {"context": None, "effort": "low", "summary": "auto"}
    assert r["text"] == {"verbosity": "low", "format": {"type": "text"}}


def test_a_model_without_reasoning_has_no_effort_and_auto_tier_is_default():
    r = fresh({"reasoning": {"effort": "high"}, "service_tier": "auto"}, Model("gpt-4.1-2025-04-14", False, None))
    assert r["reasoning"]["effort"] is None and r["service_tier"] == "default"


def test_a_finished_response_matches_the_schema():
    r = fresh({"input": "hi"})
    message = objects.output_message(ids.message_id(), "completed")
    message["content"].append(objects.output_text("Hi."))
    reasoning = objects.reasoning_item(ids.reasoning_id())
    reasoning["summary"].append(objects.summary_text("Thinking."))
    call = {**objects.tool_call("function", "get_weather", "call_1"), "status": "completed", "arguments": "{}"}
    r.update(status="completed", completed_at=r["created_at"] + 1, output=[reasoning, message, call],
             usage=objects.usage(10, 5, 2, cached_tokens=4))
    assert spec_check.check("GET", f"/v1/responses/{r['id']}", 200, r) == "Response"
    assert r["usage"] == {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 0},
                          "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 2}, "total_tokens": 15}


def test_tool_calls_name_their_namespace():
    custom = objects.tool_call("custom", "exec", "call_2", "functions")
    assert custom["id"].startswith("ctc_") and custom["namespace"] == "functions" and custom["input"] == ""
    assert "namespace" not in objects.tool_call("function", "f", "call_1")


@pytest.mark.parametrize("raw, expected", [
    ({"role": "user", "content": "hi"}, {"type": "message", "role": "user",
                                         "content": [{"type": "input_text", "text": "hi"}]}),
    ({"role": "assistant", "content": "hi"}, {"type": "message", "role": "assistant", "status": "completed",
                                              "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                                                           "text": "hi"}]}),
    ({"type": "function_call_output", "call_id": "call_1", "output": "3"},
     {"type": "function_call_output", "call_id": "call_1", "output": "3", "status": "completed"}),
])
def test_input_items_are_stored_typed_with_ids_and_parts(raw, expected):
    item = objects.input_item(raw)
    assert {k: v for k, v in item.items() if k != "id"} == expected
    assert item["id"].startswith(ids.ITEM_PREFIXES[item["type"]] + "_") and list(item)[:2] == ["id", "type"]
    assert objects.input_item({**raw, "id": "given_1"})["id"] == "given_1"


def test_a_conversation_item_carries_its_status():
    assert objects.conversation_item({"role": "user", "content": "hi"})["status"] == "completed"
    assert "status" not in objects.input_item({"role": "user", "content": "hi"})


def test_lists_counts_and_deletions_match_the_spec():
    items = [objects.input_item({"role": "user", "content": f"q{i}"}) for i in range(2)]
    page = objects.list_page([orjson.dumps(i).decode() for i in items], items[0]["id"], items[1]["id"], True)
    parsed = orjson.loads(page)
    assert parsed == {"object": "list", "data": items, "first_id": items[0]["id"], "last_id": items[1]["id"],
                      "has_more": True}
    assert spec_check.check("GET", "/v1/responses/resp_1/input_items", 200, parsed) == "ResponseItemList"
    empty = orjson.loads(objects.list_page([], None, None, False))
    assert spec_check.check("GET", "/v1/responses/resp_1/input_items", 200, empty) == "ResponseItemList"
    assert spec_check.check("POST", "/v1/responses/input_tokens", 200, objects.input_tokens(3)) == "TokenCountsResource"
    assert spec_check.check("POST", "/v1/conversations", 200, objects.conversation("conv_1", 1, {})) \
        == "ConversationResource"
    assert objects.deleted("resp_1", "response") == {"id": "resp_1", "object": "response", "deleted": True}
