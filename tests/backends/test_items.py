"""Items as we make and read them: ids with the spec's prefixes, our own output items valid as input
(clients send them back), the stubs a WebSocket owes for each call, tool outputs as prompt text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from responses_mock import ids
from responses_mock.backends import hosted
from responses_mock.services.context import gathered_tools, message_text
from responses_mock.wire import objects, requests, socket_events

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


def _emitted() -> list[dict]:
    """Each output item as the lifecycle finishes it: the builders' shapes, done."""
    function = {**objects.tool_call("function", "get_weather", "call_1", "weather"), "status": "completed",
                "arguments": "{}"}
    custom = {**objects.tool_call("custom", "exec", "call_2", "functions"), "status": "completed", "input": "x"}
    message = objects.output_message(ids.message_id(), "completed")
    message["content"].append(objects.output_text("Hi."))
    reasoning = objects.reasoning_item(ids.reasoning_id())
    reasoning["summary"].append(objects.summary_text("Thinking."))
    calls = [hosted.web_search("q"), hosted.file_search("q"), hosted.code_interpreter("print(1)", None, "s"),
             hosted.image_generation("a cat"), hosted.mcp_list_tools("wiki", ["search"]),
             hosted.mcp_call("wiki", "search", {"query": "q"}), hosted.mcp_approval_request("wiki", "search", {}),
             hosted.local_shell_call(["bash", "-lc", "ls"]), hosted.shell_call("ls", {"type": "local"}),
             hosted.shell_call("ls", None)]
    return [function, custom, message, reasoning] + [{"id": ids.item_id(c.item["type"]), **c.item} for c in calls]


@pytest.mark.parametrize("item", _emitted(), ids=lambda item: item["type"])
def test_every_output_item_we_emit_is_valid_input(item):
    """Checked against the SDK's input item types (with the accepted extras): our status on a
    custom tool call, a code interpreter call's `outputs: null`, a call's namespace. Sent as we
    emit it and with every null dropped, as some clients send it."""
    for shape in (item, {k: v for k, v in item.items() if v is not None}):
        params = requests.create_params({"model": "gpt-4.1", "input": [shape]})
        assert params["input"][0]["type"] == item["type"]
        assert set(item) - set(params["input"][0]) <= {k for k, v in item.items() if v is None}  # nothing lost


def test_a_websocket_owes_an_output_for_each_client_call():
    local = {"id": "lsh_1", **hosted.local_shell_call(["ls"]).item}
    shell = {"id": "sh_1", **hosted.shell_call("ls", None).item}
    assert socket_events.required_input([local, shell, {"type": "message"}]) == [
        {"type": "local_shell_call_output", "id": local["call_id"]},
        {"type": "shell_call_output", "call_id": shell["call_id"]}]


def test_shell_call_output_is_prompt_text():
    item = {"type": "shell_call_output", "call_id": "call_1", "output": [
        {"stdout": "notes.txt\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}},
        {"stdout": "", "stderr": "ls: nope\n", "outcome": {"type": "exit", "exit_code": 2}}]}
    assert message_text(item) == ("tool", "notes.txt\nls: nope\n")


def test_tools_counted_include_additional_tools_items_and_namespaces():
    weather = {"type": "function", "name": "get_weather"}
    ns = {"type": "namespace", "name": "n", "description": "", "tools": [{"type": "function", "name": "inner"}]}
    items = [{"type": "additional_tools", "role": "developer", "tools": [ns]}, {"type": "message", "content": "x"}]
    assert [t["name"] for t in gathered_tools([weather], items)] == ["get_weather", "inner"]
