"""How the default model uses tools: a call only when the request gives it reason to (tool_choice,
a tool the user names or clearly asks for, a command to run), one call per need, and once the
outputs are back, an answer in text that uses them — so an agent's loop ends. Tools come from
`tools` and additional_tools items; a namespace's tools are called with its name, and the tools
a code-mode tool declares through a script of it (backends/code_mode.py).

Deterministic: the same context makes the same calls with the same arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import orjson

from responses_mock.backends import arguments, code_mode, extractive, hosted, intent, shells
from responses_mock.backends.base import Chunk, ModelContext, ToolCall
from responses_mock.backends.intent import Said

_WEB_SEARCH_TYPES = {"web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"}
_CLIENT_TOOLS = ("function", "custom", "local_shell", "shell")  # their calls hand the turn back
_MAX_CALLS = 8  # parallel calls in one response, however many things the message lists
_OUTPUTS = ("function_call_output", "custom_tool_call_output", "local_shell_call_output", "shell_call_output")


def kind_of(tool: dict) -> str:
    t = tool.get("type", "")
    return "web_search" if t in _WEB_SEARCH_TYPES else t


def tool_key(tool: dict) -> tuple[str, str]:
    """How tool_choice and allowed_tools name a tool: (kind, name or server label)."""
    return kind_of(tool), tool.get("name") or tool.get("server_label") or ""


# Keys the planner adds to the tools it flattens (never sent on the wire): the namespace a tool
# was grouped in, and for a tool a code-mode script calls, that code-mode tool.
_NAMESPACE, _VIA = "namespace", "_via"


def in_play(ctx: ModelContext) -> list[dict]:
    """The tools the model can call: those offered (the request's and additional_tools items'),
    each namespace's own tools in its place marked with the namespace, and the tools a code-mode
    tool declares marked with it; the latest of two with one name wins (history repeats them)."""
    out: dict[tuple, dict] = {}
    for tool in ctx.tools:
        if kind_of(tool) != "namespace":
            out[(None, *tool_key(tool))] = tool
            continue
        for inner in tool.get("tools") or []:
            if isinstance(inner, dict):
                out[(tool.get("name"), *tool_key(inner))] = {**inner, _NAMESPACE: tool.get("name")}
    for tool in list(out.values()):
        if code_mode.is_code_mode(tool):
            for nested in code_mode.nested_tools(tool):
                if shells.shell_field(nested) is None:  # commands go through the code-mode tool itself
                    out.setdefault(("code", *tool_key(nested)), {**nested, _VIA: tool})
    return list(out.values())


def call_keys(item: dict) -> set[tuple]:
    """Which tools a past call item called: its own (namespace, name), and in a code-mode
    script, the declared tool it called."""
    keys = {(item.get("namespace"), item.get("name"))}
    called = code_mode.call_of(item.get("input") or "") if item.get("type") == "custom_tool_call" else None
    if called is not None:
        keys.add(("code", called[0]))
    return keys


def _own_key(tool: dict) -> tuple:
    return ("code", tool.get("name")) if _VIA in tool else (tool.get(_NAMESPACE), tool.get("name"))


@dataclass
class Plan:
    calls: list[Chunk] = field(default_factory=list)
    ends_turn: bool = False  # client tool calls and approval requests hand the turn back to the client
    notes: list[str] = field(default_factory=list)  # what hosted tools found, for the answer


@dataclass
class Need:
    """One thing the message asks a tool to do: a command to run, or a tool's job."""

    tool: dict
    command: str | None = None


def _choice(ctx: ModelContext) -> tuple[str, list[dict]]:
    """(mode, tools in play): mode is none | auto | required; a forced tool is the only one."""
    tools = in_play(ctx)
    choice = ctx.request.get("tool_choice") or "auto"
    if isinstance(choice, str):
        return choice, tools
    kind = choice.get("type")
    if kind == "allowed_tools":
        allowed = {tool_key(t) if t.get("type") != "function" else ("function", t.get("name", ""))
                   for t in choice.get("tools") or []}
        picked = [t for t in tools if tool_key(t) in allowed or (kind_of(t), "") in allowed
                  or ("namespace", t.get(_NAMESPACE) or "") in allowed or (_VIA in t and tool_key(t[_VIA]) in allowed)]
        return choice.get("mode", "auto"), picked
    if kind in ("function", "custom"):
        return "required", [t for t in tools if tool_key(t) == (kind, choice.get("name"))]
    if kind == "mcp":
        return "required", [t for t in tools if kind_of(t) == "mcp" and t.get("server_label") == choice.get("server_label")]
    wanted = "web_search" if kind in _WEB_SEARCH_TYPES else kind
    return "required", [t for t in tools if kind_of(t) == wanted]


def plan(ctx: ModelContext, seed: int) -> Plan:
    mode, tools = _choice(ctx)
    out = Plan()
    if mode == "none" or not tools:
        return out
    turn = ctx.turn_items
    if any(item.get("type") == "mcp_approval_response" for item in turn):
        return _after_approval(ctx, seed, out)
    said = Said(intent.gist(ctx.last_user_text), frozenset(t.get("name") for t in tools if t.get("name")))
    done = _Done(turn)
    needs = [n for n in _needs(tools, said, searched=bool(ctx.file_search_results)) if not done.satisfied(n)]
    if not needs and mode == "required" and not done.answered:
        # Forced with nothing asked: the likeliest tool, once. Once outputs are back it is not forced
        # again, or an agent whose tool_choice stays "required" would loop for ever.
        best = max(enumerate(tools), key=lambda it: (intent.overlap(it[1], said), -it[0]))[1]
        needs = [Need(best, said.commands[0] if said.commands and shells.shell_field(best) else None)]
    needs = needs[:1] if ctx.request.get("parallel_tool_calls") is False else needs[:_MAX_CALLS]
    hosted_done = False
    for need in needs:
        kind = kind_of(need.tool)
        if kind in _CLIENT_TOOLS:
            out.calls.append(_client_call(need, said, seed))
            out.ends_turn = True
        elif not hosted_done:  # one hosted tool per turn is plenty for a fake
            hosted_done = True
            _hosted(ctx, need.tool, out)
    return out


def _needs(tools: list[dict], said: Said, searched: bool = False) -> list[Need]:
    """What the message asks for, one need each: the commands it says to run (on the shell tool it
    names, else the first shell-like one), the tools it names, then the tools it clearly asks for —
    the strongest per subject, so get_goal and update_goal do not both answer "goal". `searched`:
    the file_search tool's stores hold chunks matching the message, as good a cue as "the files"."""
    callable_ = [t for t in tools if kind_of(t) != "namespace"]
    named = [t for t in callable_ if intent.named(t.get("name") or "", said)]
    runners = [t for t in named + callable_ if shells.shell_field(t) is not None]
    needs = [Need(runners[0], command) for command in said.commands] if runners else []
    bound = {id(n.tool) for n in needs}
    needs += [Need(t) for t in named if id(t) not in bound]
    taken = {id(n.tool) for n in needs}
    asked = []
    for i, tool in enumerate(callable_):
        if id(tool) in taken or shells.shell_field(tool) is not None:
            continue
        if kind_of(tool) in ("function", "custom"):
            strength, about = intent.asked_for(tool, said)
        else:
            kind = kind_of(tool)
            strength = int(intent.hosted_asked(tool, kind, said) or (kind == "file_search" and searched))
            about = frozenset({kind})
        if strength:
            asked.append((-strength, i, about, tool))
    subjects: list[frozenset[str]] = []
    chosen = []
    for _, i, about, tool in sorted(asked, key=lambda a: a[:2]):
        if not any(about & s for s in subjects):
            subjects.append(about)
            chosen.append((said.position(about), i, tool))
    return needs + [Need(tool) for _, _, tool in sorted(chosen, key=lambda c: c[:2])]  # in the order asked


class _Done:
    """What this turn's earlier calls already did: tools called, commands run, hosted tools used."""

    def __init__(self, turn: tuple[dict, ...]) -> None:
        self.answered = any(item.get("type") in _OUTPUTS for item in turn)
        self.names: set[tuple] = set()  # (namespace, name) of the tools called
        self.commands: set[str] = set()
        self.kinds: set[str] = set()
        for item in turn:
            kind = item.get("type")
            self.kinds.add(str(kind).removesuffix("_call"))  # web_search_call → web_search, local_shell…
            command = shells.command_of_call(item)
            if command is not None:
                self.commands.add(command)
            if kind in ("function_call", "custom_tool_call") and item.get("name"):
                self.names |= call_keys(item)

    def satisfied(self, need: Need) -> bool:
        if need.command is not None:
            return need.command in self.commands
        kind = kind_of(need.tool)
        if kind in ("function", "custom"):  # a call sent back without its namespace still counts
            return _own_key(need.tool) in self.names or (None, need.tool.get("name")) in self.names
        return kind in self.kinds


def _client_call(need: Need, said: Said, seed: int) -> Chunk:
    tool, kind = need.tool, kind_of(need.tool)
    shell = shells.shell_field(tool)
    command = need.command if need.command is not None else arguments.DEFAULT_COMMAND if shell else None
    if kind == "local_shell":
        return hosted.local_shell_call(shells.command_value(shell, command))
    if kind == "shell":
        return hosted.shell_call(command, tool.get("environment"))
    if kind == "custom":
        text = shells.command_input(shell, command) if shell is not None and command is not None else \
            arguments.custom_input(tool, said, command)
        argument: object = text
    else:
        argument = arguments.function_arguments(tool, said, seed ^ hash_name(tool["name"]), command)
        text = orjson.dumps(argument).decode()
    if _VIA in tool:  # a declared tool: the code-mode tool runs a script that calls it
        runner = tool[_VIA]
        return ToolCall(runner["name"], code_mode.script(tool["name"], argument), kind="custom",
                        namespace=runner.get(_NAMESPACE))
    return ToolCall(tool["name"], text, kind=kind, namespace=tool.get(_NAMESPACE))


def hash_name(name: str) -> int:
    return int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "big")


def _hosted(ctx: ModelContext, tool: dict, out: Plan) -> None:
    text = ctx.last_user_text.strip()[:200] or "the question"
    kind = kind_of(tool)
    if kind == "web_search":
        out.calls.append(hosted.web_search(text))
        out.notes.append(f"I searched the web for \"{text}\".")
    elif kind == "file_search":  # the services searched its stores already (ctx.file_search_results)
        shown = "file_search_call.results" in (ctx.request.get("include") or [])
        out.calls.append(hosted.file_search(text, ctx.file_search_results, with_results=shown))
        out.notes.append("I searched the attached files.")
    elif kind == "code_interpreter":
        total = sum(int(d) for d in re.findall(r"\d+", text)) or 42
        code = f"# {text}\nresult = {total}\nprint(result)"
        out.calls.append(hosted.code_interpreter(code, tool.get("container"), ctx.model + text))
        out.notes.append("I ran some Python to work it out.")
    elif kind == "image_generation":
        out.calls.append(hosted.image_generation(text))
        out.notes.append("Here is the image you asked for.")
    elif kind == "mcp":
        label = tool.get("server_label", "mcp")
        names = _mcp_names(tool)
        if not any(i.get("type") == "mcp_list_tools" and i.get("server_label") == label for i in ctx.items):
            out.calls.append(hosted.mcp_list_tools(label, names))
        if _needs_approval(tool, names[0]):
            out.calls.append(hosted.mcp_approval_request(label, names[0], {"query": text}))
            out.ends_turn = True
        else:
            out.calls.append(hosted.mcp_call(label, names[0], {"query": text}))
            out.notes.append(f"I used {names[0]} on the {label} server.")


def _mcp_names(tool: dict) -> list[str]:
    allowed = tool.get("allowed_tools")
    if isinstance(allowed, dict):
        allowed = allowed.get("tool_names")
    return list(allowed or []) or ["search"]


def _needs_approval(tool: dict, name: str) -> bool:
    policy = tool.get("require_approval", "always")
    if isinstance(policy, str):
        return policy != "never"
    never = ((policy or {}).get("never") or {}).get("tool_names") or []
    return name not in never


def _after_approval(ctx: ModelContext, seed: int, out: Plan) -> Plan:
    requests = {i.get("id"): i for i in ctx.items if i.get("type") == "mcp_approval_request"}
    for item in ctx.turn_items:
        if item.get("type") != "mcp_approval_response":
            continue
        request = requests.get(item.get("approval_request_id"))
        if request is None:
            continue
        name, label = request.get("name", "tool"), request.get("server_label", "mcp")
        if item.get("approve"):
            args = orjson.loads(request.get("arguments") or "{}")
            out.calls.append(hosted.mcp_call(label, name, args, approval_request_id=request["id"]))
            out.notes.append(f"I used {name} on the {label} server.")
        else:
            out.notes.append(f"I did not run {name} on the {label} server, as it was not approved.")
    return out


# -- the answer once the outputs are back --------------------------------------------------------

def answer_from_outputs(ctx: ModelContext) -> str | None:
    """The final message after tool outputs: it uses what the latest ones returned — a command's
    output quoted in a code block, a function's verbatim."""
    turn = ctx.turn_items
    latest = []
    for item in reversed(turn):  # the latest batch: the outputs after the calls that asked for them
        if item.get("type") not in _OUTPUTS:
            if latest:
                break
            continue
        latest.insert(0, item)
    if not latest:
        return None
    calls = {}
    for item in ctx.items:
        if item.get("type") in ("function_call", "custom_tool_call", "local_shell_call", "shell_call"):
            calls[item.get("call_id")] = item
    parts = []
    for item in latest:
        call = calls.get(item.get("call_id") or item.get("id")) or {}
        text = shells.output_text(item.get("output"))
        command = shells.command_of_call(call) if call else None
        if command is not None and (call.get("type") in ("local_shell_call", "shell_call") or _is_shell_call(ctx, call)):
            parts.append(shells.ran(command, text))
        else:
            called = code_mode.call_of(call.get("input") or "") if call.get("type") == "custom_tool_call" else None
            name = called[0] if called else call.get("name") or item.get("name") or "the tool"
            if called and "Output:\n" in text:  # a code-mode script's header is not the tool's answer
                text = text.split("Output:\n", 1)[1]
            parts.append(f"According to {name}: {_quoted(text.strip(), ctx)}")
    # A code block needs its own lines; a function's answer reads as one paragraph.
    joiner = "\n\n" if any("\n" in p for p in parts) else " "
    return joiner.join(parts + ["Let me know if you need anything else."])


_QUOTED = 500  # characters of a function's output quoted in the answer


def _quoted(text: str, ctx: ModelContext) -> str:
    """A function's answer verbatim; of a long one, the sentences that answer the question (else its start)."""
    if len(text) <= _QUOTED:
        return text
    return extractive.excerpt(text, extractive.split_question(ctx.last_user_text)[0], _QUOTED) or text[:_QUOTED]


def _is_shell_call(ctx: ModelContext, call: dict) -> bool:
    return any(t.get("name") == call.get("name") and call.get("namespace") in (None, t.get(_NAMESPACE))
               and _VIA not in t and shells.shell_field(t) is not None for t in in_play(ctx))
