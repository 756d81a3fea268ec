"""The default model as an agent's model: it calls a tool only when the request gives it reason to,
one call per need, required arguments only (optional ones when the message says them), a shell
tool runs exactly the backticked command, and once the outputs are back it answers in text."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from responses_mock.backends.base import HostedCall, Message, ModelContext, TextDelta, ToolCall
from responses_mock.backends.default import DefaultBackend
from responses_mock.services.context import message_text

CODEX = json.loads((Path(__file__).parent / "codex_tools.json").read_text())
CODEX_TOOLS = CODEX["captured"]  # what Codex CLI 0.171 sent, verbatim
SOURCE = {t["name"]: t for t in CODEX["from_source"]}  # shell, update_plan, apply_patch
EXEC = next(t for t in CODEX_TOOLS if t.get("name") == "exec_command")

WEATHER = {"type": "function", "name": "get_weather", "description": "Get the current weather for a city.",
           "parameters": {"type": "object", "properties": {
               "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
               "days": {"type": "integer", "minimum": 1, "maximum": 7}, "detailed": {"type": "boolean"}},
               "required": ["city"]}}
STOCK = {"type": "function", "name": "get_stock_price", "description": "Look up a stock price by ticker symbol.",
         "parameters": {"type": "object", "properties": {"ticker": {"type": "string", "pattern": "^[A-Z]{1,5}$"}},
                        "required": ["ticker"], "additionalProperties": False}}


def ctx(text: str | None = None, *, items: list[dict] | None = None, **request) -> ModelContext:
    """A context as services/context.py builds it: the wire items and the messages they make."""
    items = list(items or []) if text is None else [{"type": "message", "role": "user", "content": text}] + list(items or [])
    said = tuple(Message(*m) for m in map(message_text, items) if m)
    return ModelContext(model="gpt-5-mini", reasoning=False, encoding="o200k_base", instructions=None,
                        messages=said, items=tuple(items), request=request)


async def run(c: ModelContext) -> list:
    return [chunk async for chunk in DefaultBackend().generate(c)]


def calls(chunks: list) -> list:
    return [c for c in chunks if isinstance(c, (ToolCall, HostedCall))]


def text(chunks: list) -> str:
    return "".join(c.text for c in chunks if isinstance(c, TextDelta))


def codex_turn(prompt: str) -> list[dict]:
    """Codex's own input: a developer message, the environment context (a user message), the prompt."""
    return [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "<permissions instructions>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>\n  <cwd>/tmp/w</cwd>\n  <shell>bash</shell>\n</environment_context>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]}]


def output(call: ToolCall, out: str) -> list[dict]:
    return [{"type": "function_call", "call_id": "call_1", "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": "call_1", "output": out}]


# -- shell tools ---------------------------------------------------------------------------------

async def test_codex_runs_exactly_the_backticked_command_and_nothing_else():
    tools = CODEX_TOOLS + [SOURCE["update_plan"], SOURCE["apply_patch"]]
    chunks = await run(ctx(items=codex_turn("Run `ls -la`"), tools=tools, tool_choice="auto", parallel_tool_calls=True))
    [call] = calls(chunks)
    assert (call.name, json.loads(call.arguments)) == ("exec_command", {"cmd": "ls -la"})
    assert text(chunks) == ""  # the call ends the turn


async def test_each_shell_tool_takes_the_command_in_its_own_form():
    argv = await run(ctx("Run `git log --oneline -n 3`", tools=[SOURCE["shell"]]))
    assert json.loads(calls(argv)[0].arguments) == {"command": ["bash", "-lc", "git log --oneline -n 3"]}
    string = {"type": "function", "name": "shell_command", "parameters": {"type": "object", "properties": {
        "command": {"type": "string"}, "workdir": {"type": "string"}, "timeout_ms": {"type": "number"}},
        "required": ["command"]}}
    assert json.loads(calls(await run(ctx("Please run `pwd`", tools=[string])))[0].arguments) == {"command": "pwd"}
    [local] = calls(await run(ctx("Run `ls -la`", tools=[{"type": "local_shell"}])))
    assert isinstance(local, HostedCall) and local.item["type"] == "local_shell_call"
    assert local.item["action"] == {"type": "exec", "command": ["bash", "-lc", "ls -la"], "env": {}}
    assert local.item["call_id"].startswith("call_")
    [builtin] = calls(await run(ctx("Run `ls -la`", tools=[{"type": "shell", "environment": {"type": "local"}}])))
    assert builtin.item["type"] == "shell_call" and builtin.item["action"]["commands"] == ["ls -la"]
    custom = {"type": "custom", "name": "exec", "description": "Run a shell command."}
    [freeform] = calls(await run(ctx("Run `uname -a`", tools=[custom])))
    assert (freeform.kind, freeform.arguments) == ("custom", "uname -a")


async def test_a_command_runs_only_when_asked_to():
    tools = CODEX_TOOLS
    for prompt in ("What does `ls -la` print?", "Explain how a hash map works.", "My goal is to learn Rust.",
                   "Summarise the README in two sentences."):
        chunks = await run(ctx(items=codex_turn(prompt), tools=tools))
        assert calls(chunks) == [] and text(chunks), prompt
    plain = await run(ctx(items=codex_turn("please run git status and tell me what changed"), tools=tools))
    assert [json.loads(c.arguments) for c in calls(plain)] == [{"cmd": "git status"}]
    fenced = await run(ctx(items=codex_turn("Run this:\n```bash\nls -la | wc -l\n```"), tools=tools))
    assert [json.loads(c.arguments) for c in calls(fenced)] == [{"cmd": "ls -la | wc -l"}]


async def test_numbers_and_paths_inside_the_command_stay_in_it():
    chunks = await run(ctx("Run `head -n 5 /etc/hosts`", tools=[EXEC]))
    assert json.loads(calls(chunks)[0].arguments) == {"cmd": "head -n 5 /etc/hosts"}
    # A directory said outside the command is where it runs.
    chunks = await run(ctx("Run `ls -la` in /tmp", tools=[EXEC]))
    assert json.loads(calls(chunks)[0].arguments) == {"cmd": "ls -la", "workdir": "/tmp"}


async def test_after_the_output_it_answers_in_text_quoting_it():
    first = await run(ctx(items=codex_turn("Run `ls -la`"), tools=CODEX_TOOLS))
    [call] = calls(first)
    codex_output = ("Chunk ID: 3f2a\nWall time: 0.0012 seconds\nProcess exited with code 0\nOriginal token count: 40\n"
                    "Output:\ntotal 8\ndrwxr-xr-x 2 root root 4096 Dec  1 10:00 .\n")
    reasoning = {"type": "reasoning", "summary": [], "content": None, "encrypted_content": None}
    for choice in ("auto", "required"):  # a tool_choice that stays "required" must not loop either
        chunks = await run(ctx(items=codex_turn("Run `ls -la`") + [reasoning] + output(call, codex_output),
                               tools=CODEX_TOOLS, tool_choice=choice))
        assert calls(chunks) == []
        answer = text(chunks)
        assert "`ls -la`" in answer and "drwxr-xr-x 2 root root 4096 Dec  1 10:00 ." in answer
        assert "Chunk ID" not in answer  # Codex's header is not the command's output
    failed = await run(ctx("Run `false`", tools=[EXEC], items=output(ToolCall("exec_command", '{"cmd":"false"}'),
                                                                  "Process exited with code 1\nOutput:\n")))
    assert "exited with code 1" in text(failed) and calls(failed) == []


async def test_local_shell_output_ends_the_loop():
    call = {"type": "local_shell_call", "id": "lsh_1", "call_id": "call_9", "status": "completed",
            "action": {"type": "exec", "command": ["bash", "-lc", "ls -la"], "env": {}}}
    out = {"type": "local_shell_call_output", "id": "call_9", "output": json.dumps({"output": "a.txt\nb.txt\n"})}
    chunks = await run(ctx("Run `ls -la`", items=[call, out], tools=[{"type": "local_shell"}]))
    assert calls(chunks) == [] and "a.txt\nb.txt" in text(chunks)


async def test_several_commands_run_in_parallel_or_one_at_a_time():
    prompt = "Run `ls` and then `pwd`"
    both = await run(ctx(prompt, tools=[EXEC]))
    assert [json.loads(c.arguments)["cmd"] for c in calls(both)] == ["ls", "pwd"]
    [first] = calls(await run(ctx(prompt, tools=[EXEC], parallel_tool_calls=False)))
    assert json.loads(first.arguments) == {"cmd": "ls"}
    [second] = calls(await run(ctx(prompt, tools=[EXEC], parallel_tool_calls=False, items=output(first, "a\n"))))
    assert json.loads(second.arguments) == {"cmd": "pwd"}
    done = output(first, "a\n") + [{"type": "function_call", "call_id": "call_2", "name": "exec_command",
                                    "arguments": second.arguments},
                                   {"type": "function_call_output", "call_id": "call_2", "output": "/tmp\n"}]
    chunks = await run(ctx(prompt, tools=[EXEC], parallel_tool_calls=False, items=done))
    assert calls(chunks) == [] and "/tmp" in text(chunks)


# -- which tool, and its arguments ------------------------------------------------------------------

async def test_one_tool_per_need_not_every_tool_sharing_a_word():
    def names(chunks):
        return [c.name for c in calls(chunks)]
    assert names(await run(ctx(items=codex_turn("Create a goal to fix the failing tests"), tools=CODEX_TOOLS))) == ["create_goal"]
    assert names(await run(ctx(items=codex_turn("What is my current goal?"), tools=CODEX_TOOLS))) == ["get_goal"]
    [update] = calls(await run(ctx(items=codex_turn("Update the goal: mark it complete"), tools=CODEX_TOOLS)))
    assert (update.name, json.loads(update.arguments)) == ("update_goal", {"status": "complete"})
    two = await run(ctx("What's the weather in Lima, and the stock price of ACME?", tools=[WEATHER, STOCK]))
    assert names(two) == ["get_weather", "get_stock_price"]
    assert json.loads(calls(two)[1].arguments) == {"ticker": "ACME"}  # the word the pattern fits


async def test_required_arguments_filled_optional_ones_only_when_said():
    [call] = calls(await run(ctx("What's the weather in Paris?", tools=[WEATHER])))
    assert json.loads(call.arguments) == {"city": "Paris"}
    [call] = calls(await run(ctx("What's the weather in Oslo in fahrenheit for the next 3 days?", tools=[WEATHER])))
    assert json.loads(call.arguments) == {"city": "Oslo", "unit": "fahrenheit", "days": 3}
    [create] = calls(await run(ctx(items=codex_turn('Create a goal: "ship the release"'), tools=CODEX_TOOLS)))
    assert json.loads(create.arguments) == {"objective": "ship the release"}  # no token_budget: not asked
    # Strict mode has no optional properties: a nullable one is null unless the message says it.
    strict = {"type": "function", "name": "get_weather", "strict": True, "parameters": {
        "type": "object", "additionalProperties": False, "required": ["city", "unit"], "properties": {
            "city": {"type": "string"}, "unit": {"type": ["string", "null"], "enum": ["celsius", "fahrenheit", None]}}}}
    assert json.loads(calls(await run(ctx("Weather in Rome?", tools=[strict])))[0].arguments) == {"city": "Rome", "unit": None}
    # Required values the message does not give are still valid for the schema.
    plan = await run(ctx("Use update_plan to record the plan.", tools=[SOURCE["update_plan"]]))
    args = json.loads(calls(plan)[0].arguments)
    jsonschema.validate(args, SOURCE["update_plan"]["parameters"])
    assert set(args) == {"plan"} and all(set(step) == {"step", "status"} for step in args["plan"])


async def test_a_tool_named_in_the_message_is_called():
    [view] = calls(await run(ctx(items=codex_turn("Use view_image on `screenshots/home.png`"), tools=CODEX_TOOLS)))
    assert (view.name, json.loads(view.arguments)) == ("view_image", {"path": "screenshots/home.png"})
    [patch] = calls(await run(ctx('Use apply_patch to add hello.txt containing "hi there"', tools=[SOURCE["apply_patch"]])))
    assert patch.kind == "custom"
    assert patch.arguments == "*** Begin Patch\n*** Add File: hello.txt\n+hi there\n*** End Patch"


async def test_tool_choice_still_decides():
    forced = await run(ctx("Tell me a story about dragons.", tools=CODEX_TOOLS, tool_choice="required"))
    assert len(calls(forced)) == 1  # one call, not one per tool
    named = await run(ctx("Run `ls -la`", tools=CODEX_TOOLS, tool_choice={"type": "function", "name": "exec_command"}))
    assert [json.loads(c.arguments) for c in calls(named)] == [{"cmd": "ls -la"}]
    assert calls(await run(ctx("Run `ls -la`", tools=CODEX_TOOLS, tool_choice="none"))) == []


async def test_hosted_tools_only_when_asked():
    quiet = await run(ctx(items=codex_turn("Find the bug in the current file"), tools=CODEX_TOOLS))
    assert not any(isinstance(c, HostedCall) for c in quiet)
    [search] = calls(await run(ctx("Search the web for the latest Rust release notes", tools=CODEX_TOOLS)))
    assert search.item["type"] == "web_search_call"


async def test_handoffs_go_to_the_agent_for_the_request():
    weather = {"type": "function", "name": "transfer_to_weather_agent", "strict": True,
               "description": "Handoff to the Weather agent agent to handle the request. Handles weather questions",
               "parameters": {"type": "object", "properties": {}, "required": [], "additionalProperties": False}}
    maths = {**weather, "name": "transfer_to_math_tutor",
             "description": "Handoff to the Math tutor agent to handle the request. Helps with algebra homework"}
    assert [c.name for c in calls(await run(ctx("What's the weather in Oslo?", tools=[maths, weather])))] == \
        ["transfer_to_weather_agent"]
    assert calls(await run(ctx("Tell me a story about dragons.", tools=[maths, weather]))) == []


async def test_deterministic():
    for prompt in ("Run `ls -la`", "Create a goal to fix the tests", "Use update_plan to record the plan."):
        c = ctx(items=codex_turn(prompt), tools=CODEX_TOOLS + [SOURCE["update_plan"]])
        a, b = await run(c), await run(c)
        assert [(x.name, x.arguments) for x in calls(a)] == [(x.name, x.arguments) for x in calls(b)]


async def test_odd_tool_definitions_and_messages_never_break_it():
    odd = [
        {"type": "function", "name": "f1", "parameters": {"type": "object", "required": ["a"],
                                                          "properties": {"a": {"type": "string", "pattern": "(a+)+$"}}}},
        {"type": "function", "name": "f2", "parameters": {"type": "object", "properties": "nope", "required": "x"}},
        {"type": "function", "name": "f3", "parameters": None, "description": None},
        {"type": "function", "name": "f4", "parameters": {"type": "object", "required": ["x"], "properties": {
            "x": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"$ref": "#/$defs/x"}}}},
        {"type": "function", "name": "f5", "parameters": {"type": "object", "required": ["e", "n"], "properties": {
            "e": {"enum": [1, None, "b"]}, "n": {"type": ["integer", "null"], "minimum": 5}}}},
        {"type": "custom", "name": "exec", "format": {"type": "grammar", "syntax": "regex", "definition": "x"}},
        {"type": "namespace", "name": "ns", "description": "d", "tools": [{"type": "function", "name": "inner"}]},
    ]
    for message in ("use f1 f2 f3 f4 f5 and run `ls` with exec", "`a` " * 5000, '"x" ' * 5000, "a/" * 8000, ""):
        for choice in ("auto", "required"):
            chunks = await run(ctx(message, tools=odd + CODEX_TOOLS, tool_choice=choice))
            assert chunks and (calls(chunks) or text(chunks))
    named = calls(await run(ctx("use f1 f2 f3 f4 f5 and run `ls` with exec", tools=odd)))
    assert [(c.name, c.arguments) for c in named][:1] == [("exec", "ls")]  # the named shell tool runs it
    assert json.loads(named[-1].arguments) == {"e": 1, "n": None}


async def test_a_long_list_of_commands_is_capped():
    prompt = "Run " + " and ".join(f"`echo {i}`" for i in range(20))
    assert len(calls(await run(ctx(prompt, tools=[EXEC])))) == 8
