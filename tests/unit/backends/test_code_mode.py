"""Tools beyond a flat `tools` list: those an `additional_tools` input item makes available (Codex's
default model gets all of its tools so), tools grouped in `namespace` tools (a call names its
namespace), and Codex's code mode — a custom `exec` tool whose input is JavaScript calling the
tools its description declares. Tested on the tool set Codex 0.171 sent, verbatim."""

from __future__ import annotations

import json
from pathlib import Path

from responses_mock.backends import code_mode, shells
from responses_mock.backends.base import ToolCall
from responses_mock.services import fixtures
from tests.unit.backends.test_tools import WEATHER, calls, codex_turn, ctx, run, text

DEFAULT = json.loads((Path(__file__).parent / "codex_default_tools.json").read_text())
OFFERED = DEFAULT["additional_tools"]  # Codex's input[0] when no model is named
SETTINGS = {k: v for k, v in DEFAULT["request"].items() if k not in ("text", "model", "stream")}
SCRIPT = 'text(await tools.exec_command({cmd: "echo hello > marker.txt"}));'
CODE_MODE_OUTPUT = [  # what Codex sends back for that script: a header part, then the script's text
    {"type": "input_text", "text": "Script completed\nWall time 0.1 seconds\nOutput:\n"},
    {"type": "input_text", "text": '{"chunk_id":"045a38","wall_time_seconds":0.00001,"exit_code":0,'
                                   '"original_token_count":1,"output":"hello\\n"}'}]


def codex(prompt: str, *after: dict, **request):
    return ctx(items=[OFFERED] + codex_turn(prompt) + list(after), **{**SETTINGS, **request})


def namespace(name: str, *tools: dict) -> dict:
    return {"type": "namespace", "name": name, "description": f"The {name} tools.", "tools": list(tools)}


async def test_tools_of_an_additional_tools_item_are_offered():
    item = {"type": "additional_tools", "role": "developer", "tools": [WEATHER]}
    [call] = calls(await run(ctx(items=[item, {"type": "message", "role": "user", "content": "What's the weather in Paris?"}])))
    assert (call.name, json.loads(call.arguments), call.namespace) == ("get_weather", {"city": "Paris"}, None)
    # History repeats the item on every stateless turn: still one tool, one call.
    [again] = calls(await run(ctx(items=[item, item, {"type": "message", "role": "user", "content": "Weather in Paris?"}])))
    assert again.name == "get_weather"


async def test_a_call_to_a_namespaced_tool_names_its_namespace():
    tools = [namespace("weather", WEATHER)]
    [call] = calls(await run(ctx("What's the weather in Oslo?", tools=tools)))
    assert (call.name, call.namespace, call.kind) == ("get_weather", "weather", "function")
    # allowed_tools may name the namespace; a namespace that is not allowed offers nothing.
    allowed = {"type": "allowed_tools", "mode": "required", "tools": [{"type": "namespace", "name": "weather"}]}
    assert [c.name for c in calls(await run(ctx("Hello", tools=tools, tool_choice=allowed)))] == ["get_weather"]
    other = {**allowed, "tools": [{"type": "namespace", "name": "stocks"}]}
    assert calls(await run(ctx("What's the weather in Oslo?", tools=tools, tool_choice=other))) == []


async def test_codex_default_model_runs_the_command_through_code_mode():
    """No `tools`: Codex's tools in namespaces of input[0]; commands only through `exec`, whose
    input is the JavaScript that calls the declared exec_command with exactly the command."""
    chunks = await run(codex("Run `echo hello > marker.txt`"))
    assert calls(chunks) == [ToolCall("exec", SCRIPT, kind="custom", namespace="functions")]
    assert text(chunks) == ""


async def test_after_the_script_ran_it_answers_with_the_output():
    call = {"type": "custom_tool_call", "id": "ctc_1", "status": "completed", "call_id": "call_1", "name": "exec",
            "namespace": "functions", "input": SCRIPT}
    output = {"type": "custom_tool_call_output", "call_id": "call_1", "output": CODE_MODE_OUTPUT}
    chunks = await run(codex("Run `echo hello > marker.txt`", call, output))
    assert calls(chunks) == []
    assert text(chunks).startswith("I ran `echo hello > marker.txt`. Its output:\n\n```\nhello\n```")
    # A call sent back without its namespace is the same call: not made again.
    bare = {k: v for k, v in call.items() if k != "namespace"}
    assert calls(await run(codex("Run `echo hello > marker.txt`", bare, output))) == []


async def test_namespaced_function_tools_are_asked_for_like_any_other():
    [spawn] = calls(await run(codex("Spawn an agent to review README.md")))
    assert (spawn.name, spawn.namespace) == ("spawn_agent", "collaboration")
    args = json.loads(spawn.arguments)
    assert set(args) == {"task_name", "message"}  # the required ones: no model or effort override
    assert args["task_name"] == "agent_review"  # "Use lowercase letters, digits, and underscores."
    for prompt in ("Explain what a mutex is.", "My goal is to learn Rust.", "What time is it in the story?"):
        assert calls(await run(codex(prompt))) == [], prompt


async def test_a_declared_tool_is_called_through_a_script():
    [call] = calls(await run(codex("Use view_image on `shot.png`")))
    assert (call.name, call.namespace, call.kind) == ("exec", "functions", "custom")
    assert call.arguments == 'text(await tools.view_image({path: "shot.png"}));'
    answered = [{"type": "custom_tool_call", "call_id": "call_2", "name": "exec", "input": call.arguments},
                {"type": "custom_tool_call_output", "call_id": "call_2", "output": [
                    {"type": "input_text", "text": "Script completed\nWall time 0.0 seconds\nOutput:\n"},
                    {"type": "input_text", "text": '{"image_url":"data:image/png;base64,AAAA"}'}]}]
    chunks = await run(codex("Use view_image on `shot.png`", *answered))
    assert calls(chunks) == [] and text(chunks).startswith('According to view_image: {"image_url"')


def test_code_mode_reads_the_declarations_and_writes_and_reads_scripts():
    exec_tool = OFFERED["tools"][0]["tools"][0]
    assert code_mode.is_code_mode(exec_tool)
    declared = {t["name"]: t for t in code_mode.nested_tools(exec_tool)}
    assert {"exec_command", "write_stdin", "apply_patch", "view_image", "clock__curr_time"} <= set(declared)
    assert declared["apply_patch"]["type"] == "custom"  # apply_patch(input: string)
    params = declared["exec_command"]["parameters"]
    assert params["required"] == ["cmd"] and params["properties"]["prefix_rule"]["type"] == "array"
    assert params["properties"]["sandbox_permissions"]["enum"] == ["use_default", "require_escalated"]
    assert shells.shell_field(exec_tool) == shells.ShellField("cmd", via="exec_command")

    tricky = 'printf "}{\\n" > a.txt && echo \'ok\''
    script = code_mode.script("exec_command", {"cmd": tricky, "tty": False})
    assert code_mode.call_of(script) == ("exec_command", {"cmd": tricky, "tty": False})
    assert shells.command_of_call({"type": "custom_tool_call", "input": script}) == tricky
    # As a person (or a fixture rule) writes it: a const, bare keys, the result passed on.
    written = 'const result = await tools.exec_command({cmd: "ls -la", yield_time_ms: 1000});\ntext(result);'
    assert code_mode.call_of(written) == ("exec_command", {"cmd": "ls -la", "yield_time_ms": 1000})
    assert code_mode.call_of('text(await tools.apply_patch("*** Begin Patch"))') == ("apply_patch", "*** Begin Patch")
    assert code_mode.call_of("text('no tools here')") is None


def test_fixture_rules_see_the_tools_of_additional_tools_items_and_namespaces():
    c = codex("Run `ls`")
    names = fixtures.facts(c.request, c, None).tool_names
    assert {"exec", "spawn_agent", "sleep", "collaboration", "namespace", "custom"} <= names
    assert not fixtures.facts({}, ctx("Hi"), None).tool_names
