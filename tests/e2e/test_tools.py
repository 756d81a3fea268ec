"""The default model with tools and structured output: function calls honouring tool_choice and
parallel_tool_calls, arguments valid for the schema, follow-ups that use tool outputs, hosted
tool items and their stream events, strict-schema errors. Both stores, through the SDK."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Literal

import jsonschema
import openai
import pytest
from pydantic import BaseModel

from responses_mock.testing import AdminClient
from tests.conftest import new_key, sse

WEATHER = {
    "type": "function", "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7}},
        "required": ["city", "unit", "days"], "additionalProperties": False},
    "strict": True,
}
STOCK = {
    "type": "function", "name": "get_stock_price", "description": "Look up a stock price by ticker symbol.",
    "parameters": {"type": "object", "properties": {"ticker": {"type": "string", "pattern": "^[A-Z]{1,5}$"}},
                   "required": ["ticker"], "additionalProperties": False},
    "strict": True,
}


def calls(r) -> list:
    return [o for o in r.output if o.type == "function_call"]


def test_auto_calls_the_relevant_function_with_valid_arguments(client):
    r = client.responses.create(model="gpt-4.1", input="What's the weather in Paris this week?", tools=[WEATHER, STOCK])
    [call] = calls(r)
    assert r.status == "completed" and [o.type for o in r.output] == ["function_call"]
    assert call.name == "get_weather" and call.call_id.startswith("call_") and call.id.startswith("fc_")
    args = json.loads(call.arguments)
    jsonschema.validate(args, WEATHER["parameters"])
    assert args["city"] == "Paris"
    assert r.usage.output_tokens > 0
    again = client.responses.create(model="gpt-4.1", input="What's the weather in Paris this week?", tools=[WEATHER, STOCK])
    assert calls(again)[0].arguments == call.arguments  # deterministic


def test_follow_up_with_the_output_answers_with_it(client):
    r = client.responses.create(model="gpt-4.1", input="What's the weather in Oslo?", tools=[WEATHER])
    call = calls(r)[0]
    follow = client.responses.create(model="gpt-4.1", previous_response_id=r.id, tools=[WEATHER], input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": '{"temperature": 3, "sky": "snow"}'}])
    assert [o.type for o in follow.output] == ["message"]
    assert '{"temperature": 3, "sky": "snow"}' in follow.output_text and "get_weather" in follow.output_text
    # The same with the whole history sent back as input (stateless clients).
    stateless = client.responses.create(model="gpt-4.1", tools=[WEATHER], store=False, input=[
        {"role": "user", "content": "What's the weather in Oslo?"}, call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "minus three and snowing"}])
    assert "minus three and snowing" in stateless.output_text


def test_tool_choice_modes(client):
    unrelated = "Tell me a story about dragons."
    assert calls(client.responses.create(model="gpt-4.1", input=unrelated, tools=[WEATHER])) == []
    required = client.responses.create(model="gpt-4.1", input=unrelated, tools=[WEATHER, STOCK], tool_choice="required")
    assert [c.name for c in calls(required)] == ["get_weather"]
    named = client.responses.create(model="gpt-4.1", input="What's the weather in Rome?", tools=[WEATHER, STOCK],
                                    tool_choice={"type": "function", "name": "get_stock_price"})
    [call] = calls(named)
    assert call.name == "get_stock_price"
    jsonschema.validate(json.loads(call.arguments), STOCK["parameters"])
    none = client.responses.create(model="gpt-4.1", input="What's the weather in Rome?", tools=[WEATHER], tool_choice="none")
    assert calls(none) == [] and none.output_text
    allowed = client.responses.create(model="gpt-4.1", input="weather and stock price please", tools=[WEATHER, STOCK],
                                      tool_choice={"type": "allowed_tools", "mode": "required",
                                                   "tools": [{"type": "function", "name": "get_stock_price"}]})
    assert [c.name for c in calls(allowed)] == ["get_stock_price"]


def test_parallel_tool_calls(client):
    both = "What's the weather in Lima, and the stock price of ACME?"
    parallel = client.responses.create(model="gpt-4.1", input=both, tools=[WEATHER, STOCK])
    assert sorted(c.name for c in calls(parallel)) == ["get_stock_price", "get_weather"]
    assert len({c.call_id for c in calls(parallel)}) == 2
    single = client.responses.create(model="gpt-4.1", input=both, tools=[WEATHER, STOCK], parallel_tool_calls=False)
    assert len(calls(single)) == 1


def test_reasoning_model_reasons_then_calls(client):
    r = client.responses.create(model="gpt-5-mini", input="What's the weather in Cairo?", tools=[WEATHER])
    assert [o.type for o in r.output] == ["reasoning", "function_call"]
    assert r.usage.output_tokens_details.reasoning_tokens > 0


def test_function_call_stream_events(server):
    events = sse(server, new_key(), "POST", "/v1/responses", json={
        "model": "gpt-4.1", "input": "What's the weather in Paris?", "tools": [WEATHER], "stream": True})
    types = [e["type"] for e in events]
    assert types[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert types[-3:] == ["response.function_call_arguments.done", "response.output_item.done", "response.completed"]
    deltas = [e for e in events if e["type"] == "response.function_call_arguments.delta"]
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert "".join(d["delta"] for d in deltas) == done["arguments"] and done["name"] == "get_weather"
    assert events[2]["item"]["arguments"] == "" and events[2]["item"]["status"] == "in_progress"
    assert events[-1]["response"]["output"][0]["arguments"] == done["arguments"]


def test_invalid_tool_definitions_get_the_real_400s(client):
    loose = {**WEATHER, "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", tools=[loose])
    assert exc.value.body["param"] == "tools[0].parameters"
    assert exc.value.body["code"] == "invalid_function_parameters"
    assert "'additionalProperties' is required to be supplied and to be false" in exc.value.body["message"]
    missing = {**WEATHER, "parameters": {**WEATHER["parameters"], "required": ["city"]}}
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", tools=[missing])
    assert "Missing 'unit'" in exc.value.body["message"]
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", tools=[WEATHER],
                                tool_choice={"type": "function", "name": "nope"})
    assert exc.value.body["param"] == "tool_choice"
    # Not strict: loose schemas are fine.
    assert client.responses.create(model="gpt-4.1", input="hi", tools=[{**loose, "strict": False}]).status == "completed"


# -- structured output --------------------------------------------------------------------------

class Address(BaseModel):
    city: str
    postcode: str | None


class Event(BaseModel):
    name: str
    date: str
    participants: list[str]
    kind: Literal["meetup", "conference", "fair"]
    attendees: int
    venue: Address


def test_parse_returns_a_model_conforming_to_the_schema(client):
    r = client.responses.parse(model="gpt-4.1", input="Alice and Bob are going to a science fair on Friday.",
                               text_format=Event)
    event = r.output_parsed
    assert isinstance(event, Event) and event.kind == "meetup"
    assert event.date == "Friday" and event.participants == ["Alice", "Bob"]
    assert json.loads(r.output_text) == event.model_dump()


def test_json_schema_with_defs_arrays_and_ranges(client):
    schema = {
        "type": "object", "additionalProperties": False, "required": ["items", "total", "status", "meta"],
        "$defs": {"item": {"type": "object", "additionalProperties": False, "required": ["sku", "qty"],
                           "properties": {"sku": {"type": "string", "minLength": 6}, "qty": {"type": "integer", "minimum": 2, "maximum": 9}}}},
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/item"}, "minItems": 3},
            "total": {"type": "number", "minimum": 10.5},
            "status": {"anyOf": [{"type": "null"}, {"type": "string", "enum": ["open", "closed"]}]},
            "meta": {"type": "object", "additionalProperties": False, "required": ["tag"], "properties": {"tag": {"const": "v1"}}},
        }}
    r = client.responses.create(model="gpt-4.1", input="Make an order.", text={
        "format": {"type": "json_schema", "name": "order", "schema": schema, "strict": True}})
    value = json.loads(r.output_text)
    jsonschema.validate(value, schema)
    assert len(value["items"]) >= 3 and value["meta"] == {"tag": "v1"}


def test_json_object_mode(client):
    r = client.responses.create(model="gpt-4.1", input="Reply in JSON about the moon.", text={"format": {"type": "json_object"}})
    assert isinstance(json.loads(r.output_text), dict)
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="About the moon.", text={"format": {"type": "json_object"}})
    assert "json" in exc.value.body["message"]


def test_invalid_response_format_schema(client):
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", text={"format": {
            "type": "json_schema", "name": "x", "strict": True,
            "schema": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}}})
    body = exc.value.body
    assert (body["param"], body["code"]) == ("text.format.schema", "invalid_json_schema")
    assert body["message"].startswith("Invalid schema for response_format 'x': In context=(), 'additionalProperties'")
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", text={"format": {
            "type": "json_schema", "name": "x", "strict": True, "schema": {"type": "array", "items": {"type": "string"}}}})
    assert "type: \"object\"" in exc.value.body["message"]


# -- hosted tools -------------------------------------------------------------------------------

@pytest.mark.parametrize("tool, kind, events", [
    ({"type": "web_search"}, "web_search_call",
     ["response.web_search_call.in_progress", "response.web_search_call.searching", "response.web_search_call.completed"]),
    ({"type": "file_search", "vector_store_ids": ["vs_123"]}, "file_search_call",
     ["response.file_search_call.in_progress", "response.file_search_call.searching", "response.file_search_call.completed"]),
    ({"type": "code_interpreter", "container": {"type": "auto"}}, "code_interpreter_call",
     ["response.code_interpreter_call.in_progress", "response.code_interpreter_call_code.delta",
      "response.code_interpreter_call_code.done", "response.code_interpreter_call.interpreting",
      "response.code_interpreter_call.completed"]),
    ({"type": "image_generation"}, "image_generation_call",
     ["response.image_generation_call.in_progress", "response.image_generation_call.generating",
      "response.image_generation_call.completed"]),
])
def test_hosted_tools_emit_their_items_and_events(server, tool, kind, events):
    key = new_key()
    if tool["type"] == "file_search":  # a store of the key's own: an unknown one is the real API's 404
        with server.client(api_key=key) as owner:
            tool = {**tool, "vector_store_ids": [owner.vector_stores.create(name="empty").id]}
    stream = sse(server, key, "POST", "/v1/responses", json={
        "model": "gpt-4.1", "input": "Look this up for me.", "tools": [tool], "tool_choice": "required", "stream": True})
    types = [e["type"] for e in stream]
    start = types.index("response.output_item.added")
    assert stream[start]["item"]["type"] == kind and stream[start]["item"]["status"] == "in_progress"
    assert types[start + 1:start + 1 + len(events)] == events
    final = stream[-1]["response"]
    assert [o["type"] for o in final["output"]] == [kind, "message"] and final["output"][0]["status"] == "completed"
    if kind == "image_generation_call":
        assert base64.b64decode(final["output"][0]["result"]).startswith(b"\x89PNG")
    with server.client(api_key=key) as client:  # the SDK parses them too
        assert client.responses.retrieve(final["id"]).output[0].type == kind


def test_mcp_tool_with_and_without_approval(client):
    mcp = {"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.example/sse"}
    r = client.responses.create(model="gpt-4.1", input="Ask deepwiki about this repo.", tools=[mcp])
    assert [o.type for o in r.output] == ["mcp_list_tools", "mcp_approval_request"]
    approval = r.output[1]
    done = client.responses.create(model="gpt-4.1", previous_response_id=r.id, tools=[mcp], input=[
        {"type": "mcp_approval_response", "approval_request_id": approval.id, "approve": True}])
    assert [o.type for o in done.output] == ["mcp_call", "message"]
    assert done.output[0].approval_request_id == approval.id and done.output[0].output
    never = client.responses.create(model="gpt-4.1", input="Ask deepwiki about this repo.",
                                    tools=[{**mcp, "require_approval": "never"}])
    assert [o.type for o in never.output] == ["mcp_list_tools", "mcp_call", "message"]


# -- the default model as an agent's model (Codex CLI's tools) ---------------------------------

CODEX = json.loads((Path(__file__).parents[1] / "unit" / "backends" / "codex_tools.json").read_text())
CODEX_SOURCE = {t["name"]: t for t in CODEX["from_source"]}
CODEX_OUTPUT = ("Chunk ID: 5d1c\nWall time: 0.0031 seconds\nProcess exited with code 0\nOriginal token count: 31\n"
                "Output:\ntotal 12\ndrwxr-xr-x 3 root root 4096 Dec  1 10:00 .\n-rw-r--r-- 1 root root   17 Dec  1 10:00 notes.txt\n")


def _codex_input(prompt: str) -> list[dict]:
    return [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "<permissions instructions>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>\n  <cwd>/tmp/w</cwd>\n</environment_context>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]}]


def _completed(stream) -> object:
    return next(e for e in stream if e.type == "response.completed").response


def test_codex_tools_run_the_backticked_command_once_then_answer(client):
    """Codex's own request (its tools as 0.171 sends them, streaming, store false, encrypted reasoning):
    one exec_command call with exactly the command and no optional argument; the output sent back
    (the whole history, as Codex does) gets a text answer quoting it — the agent loop ends."""
    tools = CODEX["captured"] + [CODEX_SOURCE["update_plan"], CODEX_SOURCE["apply_patch"]]
    history = _codex_input("Run `ls -la`")
    settings = dict(model="gpt-5-mini", tools=tools, tool_choice="auto", parallel_tool_calls=True, store=False,
                    include=["reasoning.encrypted_content"], reasoning={"summary": "auto"}, stream=True)
    first = _completed(client.responses.create(input=history, **settings))
    assert [o.type for o in first.output] == ["reasoning", "function_call"]
    [call] = calls(first)
    assert call.name == "exec_command" and json.loads(call.arguments) == {"cmd": "ls -la"}
    history += [o.model_dump(exclude_none=True) for o in first.output]
    history.append({"type": "function_call_output", "call_id": call.call_id, "output": CODEX_OUTPUT})
    second = _completed(client.responses.create(input=history, **settings))
    assert [o.type for o in second.output] == ["reasoning", "message"]
    assert "`ls -la`" in second.output_text and "-rw-r--r-- 1 root root   17 Dec  1 10:00 notes.txt" in second.output_text


def test_shell_tools_in_argv_form_and_local_shell(client):
    r = client.responses.create(model="gpt-4.1", input="Run `git status --short`", tools=[CODEX_SOURCE["shell"]])
    [call] = calls(r)
    assert json.loads(call.arguments) == {"command": ["bash", "-lc", "git status --short"]}
    done = client.responses.create(model="gpt-4.1", previous_response_id=r.id, tools=[CODEX_SOURCE["shell"]], input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": " M app/main.py\n"}])
    assert [o.type for o in done.output] == ["message"] and "M app/main.py" in done.output_text

    local = client.responses.create(model="gpt-4.1", input="Run `ls -la`", tools=[{"type": "local_shell"}])
    [item] = local.output
    assert item.type == "local_shell_call" and item.action.command == ["bash", "-lc", "ls -la"]
    assert item.action.type == "exec" and item.call_id.startswith("call_")
    answered = client.responses.create(model="gpt-4.1", previous_response_id=local.id, tools=[{"type": "local_shell"}],
                                       input=[{"type": "local_shell_call_output", "id": item.call_id,
                                               "output": json.dumps({"output": "notes.txt\n"})}])
    assert [o.type for o in answered.output] == ["message"] and "notes.txt" in answered.output_text


def test_no_call_without_a_reason_and_no_optional_junk(client):
    tools = CODEX["captured"]
    for prompt in ("Explain what a mutex is.", "My goal is to learn Rust."):
        r = client.responses.create(model="gpt-4.1", input=_codex_input(prompt), tools=tools)
        assert [o.type for o in r.output] == ["message"], prompt
    loose = {**WEATHER, "strict": False, "parameters": {**WEATHER["parameters"], "required": ["city"]}}
    r = client.responses.create(model="gpt-4.1", input="What's the weather in Paris?", tools=[loose])
    assert json.loads(calls(r)[0].arguments) == {"city": "Paris"}


# -- Codex's default model: every tool in an additional_tools item, in namespaces -----------------

CODEX_DEFAULT = json.loads((Path(__file__).parents[1] / "unit" / "backends" / "codex_default_tools.json").read_text())
CODE_MODE_OUTPUT = [
    {"type": "input_text", "text": "Script completed\nWall time 0.1 seconds\nOutput:\n"},
    {"type": "input_text", "text": '{"chunk_id":"9f2e","wall_time_seconds":0.002,"exit_code":0,"output":"hello\\n"}'}]


def test_codex_default_model_request_runs_the_command_through_code_mode(client):
    """The request Codex sends with no model named, through the SDK: no `tools`, its tools in
    input[0] (an additional_tools item of namespace tools), its lite-mode header. The answer calls
    the code-mode `exec` tool (namespace `functions`) with the script that runs exactly the command;
    the whole history sent back (the call with its status, the script's output as input_text parts)
    gets a text answer quoting the output, and a fixture rule sees the tools too."""
    settings = {**CODEX_DEFAULT["request"], "extra_headers": CODEX_DEFAULT["headers"]}
    history = [CODEX_DEFAULT["additional_tools"]] + _codex_input("Run `echo hello > marker.txt`")
    first = _completed(client.responses.create(input=history, **settings))
    assert first.model.startswith("gpt-6.2-sol") and first.tools == []
    assert [o.type for o in first.output] == ["reasoning", "custom_tool_call"]
    call = first.output[1]
    assert (call.name, call.namespace, call.status) == ("exec", "functions", "completed")
    assert call.input == 'text(await tools.exec_command({cmd: "echo hello > marker.txt"}));'
    history += [o.model_dump(by_alias=True) for o in first.output]  # every field, nulls and all: as Codex keeps them
    history.append({"type": "custom_tool_call_output", "call_id": call.call_id, "output": CODE_MODE_OUTPUT})
    second = _completed(client.responses.create(input=history, **settings))
    assert [o.type for o in second.output] == ["reasoning", "message"]
    assert second.output_text.startswith("I ran `echo hello > marker.txt`. Its output:\n\n```\nhello\n```")


def test_fixture_rules_match_on_tools_of_additional_tools_items(server):
    key = new_key()
    AdminClient(server.url, api_key=key).add({"match": {"tools": ["collaboration", "spawn_agent"], "has_tools": True},
                                              "respond": {"text": "matched"}})
    with server.client(api_key=key) as client:
        r = client.responses.create(model="gpt-4.1", input=[CODEX_DEFAULT["additional_tools"]] + _codex_input("Hi"))
        assert r.output_text == "matched"
        assert client.responses.create(model="gpt-4.1", input="Hi").output_text != "matched"


def test_a_namespaced_call_round_trips(client):
    ns = {"type": "namespace", "name": "weather", "description": "Weather tools.", "tools": [
        {"type": "function", "name": "get_weather", "parameters": WEATHER["parameters"]}]}
    r = client.responses.create(model="gpt-4.1", input="What's the weather in Paris?", tools=[ns])
    [call] = calls(r)
    assert (call.name, call.namespace) == ("get_weather", "weather")
    assert r.tools[0].type == "namespace"
    done = client.responses.create(model="gpt-4.1", previous_response_id=r.id, tools=[ns], input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}])
    assert [o.type for o in done.output] == ["message"] and "sunny" in done.output_text


# -- what we emit comes back: every output item is valid input, as clients send it back ---------

EMITTERS = [  # (tools, tool_choice, prompt): the default model's answer has each kind of item
    ([WEATHER], "auto", "What's the weather in Paris?"),
    ([{"type": "custom", "name": "notes", "description": "Write a note."}], {"type": "custom", "name": "notes"}, "Note \"hi\""),
    ([{"type": "web_search"}], "required", "Look this up."),
    ([{"type": "file_search", "vector_store_ids": ["vs_123"]}], "required", "Look this up."),
    ([{"type": "code_interpreter", "container": {"type": "auto"}}], "required", "Add 2 and 3."),
    ([{"type": "image_generation"}], "required", "Draw a cat."),
    ([{"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.example/sse"}], "auto", "Ask deepwiki."),
    ([{"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.example/sse", "require_approval": "never"}],
     "auto", "Ask deepwiki."),
    ([{"type": "local_shell"}], "auto", "Run `ls`"),
    ([{"type": "shell"}], "auto", "Run `ls`"),
]
ANSWERS = {  # the client's part of a tool call, so the sent-back history is complete
    "function_call": lambda o: {"type": "function_call_output", "call_id": o["call_id"], "output": "ok"},
    "custom_tool_call": lambda o: {"type": "custom_tool_call_output", "call_id": o["call_id"], "output": "ok"},
    "local_shell_call": lambda o: {"type": "local_shell_call_output", "id": o["call_id"], "output": "{}"},
    "shell_call": lambda o: {"type": "shell_call_output", "call_id": o["call_id"], "output": [
        {"stdout": "ok", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}]},
    "mcp_approval_request": lambda o: {"type": "mcp_approval_response", "approval_request_id": o["id"], "approve": False},
}


@pytest.mark.parametrize("tools, choice, prompt", EMITTERS, ids=[
    "function", "custom", "web_search", "file_search", "code_interpreter", "image_generation", "mcp-approval",
    "mcp", "local_shell", "shell"])
def test_every_item_we_emit_is_taken_back_as_input(client, tools, choice, prompt):
    """A stateless client sends our output back verbatim (Codex), or as the SDK dumps it, every
    field and nulls included (LangChain and others): the real API takes both."""
    tools = [{**t, "vector_store_ids": [client.vector_stores.create(name="empty").id]}
             if t["type"] == "file_search" else t for t in tools]  # an unknown store is the real API's 404
    raw = client.responses.with_raw_response.create(model="gpt-5-mini", input=prompt, tools=tools, tool_choice=choice,
                                                    store=False, include=["reasoning.encrypted_content"]).parse()
    emitted = [o.model_dump(by_alias=True, exclude_unset=True) for o in raw.output]
    assert {o["type"] for o in emitted} - {"reasoning", "message"}, emitted  # the tool's own item is there
    for shape in (emitted, [o.model_dump(by_alias=True) for o in raw.output]):
        history = [{"role": "user", "content": prompt}] + shape
        history += [ANSWERS[o["type"]](o) for o in shape if o["type"] in ANSWERS]
        again = client.responses.create(model="gpt-5-mini", input=history + [{"role": "user", "content": "Thanks."}],
                                        tools=tools, store=False, include=["reasoning.encrypted_content"])
        assert again.status == "completed"
