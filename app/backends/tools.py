"""How the default model uses tools: which to call (tool_choice, allowed_tools, relevance to the
user's words, parallel_tool_calls), with what arguments, and what it says once tools answered.

Deterministic: the same context makes the same calls with the same arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import orjson

from responses_mock.backends import hosted
from responses_mock.backends.base import Chunk, ModelContext, ToolCall
from responses_mock.backends.schema_values import SchemaValues

HOSTED_KEYWORDS = {
    "web_search": {"search", "web", "latest", "news", "today", "current", "online", "look", "find", "recent"},
    "file_search": {"file", "files", "document", "documents", "docs", "knowledge", "search", "find"},
    "code_interpreter": {"calculate", "compute", "code", "python", "plot", "run", "math", "analyze", "analyse"},
    "image_generation": {"image", "picture", "draw", "photo", "illustration", "generate", "logo", "sketch"},
}
_WEB_SEARCH_TYPES = {"web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"}
_STOP = set("""a an and are as at be but by can could do does for from has have how i if in into is it
its me my of on or our please should so than that the their them then there these they this to
us was we what when where which who why will with would you your get set tool function""".split())


def words(text: str) -> set[str]:
    """Lower-case content words, split on camelCase and underscores, crudely singularised."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text or "")
    out = set()
    for w in re.findall(r"[A-Za-z]{3,}", text):
        w = w.lower()
        if w not in _STOP:
            out.add(w[:-1] if w.endswith("s") and len(w) > 3 else w)
    return out


def kind_of(tool: dict) -> str:
    t = tool.get("type", "")
    return "web_search" if t in _WEB_SEARCH_TYPES else t


def tool_key(tool: dict) -> tuple[str, str]:
    """How tool_choice and allowed_tools name a tool: (kind, name or server label)."""
    return kind_of(tool), tool.get("name") or tool.get("server_label") or ""


def relevance(tool: dict, user: set[str]) -> int:
    kind = kind_of(tool)
    if kind in ("function", "custom"):
        vocab = words(tool.get("name", "")) | words(tool.get("description") or "")
    elif kind == "mcp":
        vocab = words(tool.get("server_label", "")) | words(tool.get("server_description") or "")
    else:
        vocab = {w[:-1] if w.endswith("s") else w for w in HOSTED_KEYWORDS.get(kind, set())}
    return len(vocab & user)


@dataclass
class Plan:
    calls: list[Chunk] = field(default_factory=list)
    ends_turn: bool = False  # function calls and approval requests hand the turn back to the client
    notes: list[str] = field(default_factory=list)  # what hosted tools found, for the answer


def _choice(ctx: ModelContext) -> tuple[str, list[dict]]:
    """(mode, tools in play): mode is none | auto | required; a forced tool is the only one."""
    tools = list(ctx.request.get("tools") or [])
    choice = ctx.request.get("tool_choice") or "auto"
    if isinstance(choice, str):
        return choice, tools
    kind = choice.get("type")
    if kind == "allowed_tools":
        allowed = {tool_key(t) if t.get("type") != "function" else ("function", t.get("name", ""))
                   for t in choice.get("tools") or []}
        picked = [t for t in tools if tool_key(t) in allowed or (kind_of(t), "") in allowed]
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
    answered = any(str(item.get("type", "")).endswith("_output") for item in turn)
    if answered and mode == "auto":
        # Judged per tool: those that answered this turn are done; another (say, a specialist's own
        # tool after an Agents SDK handoff) may still be called when the message asks for it.
        called = {item.get("name") for item in turn if item.get("type") in ("function_call", "custom_tool_call")}
        tools = [t for t in tools if kind_of(t) in ("function", "custom") and t.get("name") not in called]
        if not tools:
            return out  # the tools answered: now the model writes its answer
    user = words(ctx.last_user_text)
    ranked = sorted(((relevance(t, user), i, t) for i, t in enumerate(tools)), key=lambda x: (-x[0], x[1]))
    chosen = [t for score, _, t in ranked if score > 0]
    if not chosen and mode == "required":
        chosen = [ranked[0][2]]
    if ctx.request.get("parallel_tool_calls") is False:
        chosen = chosen[:1]
    hosted_done = False
    for tool in chosen:
        kind = kind_of(tool)
        if kind in ("function", "custom"):
            out.calls.append(_function_call(ctx, tool, seed))
            out.ends_turn = True
        elif not hosted_done:  # one hosted tool per turn is plenty for a fake
            hosted_done = True
            _hosted(ctx, tool, seed, out)
    return out


def _function_call(ctx: ModelContext, tool: dict, seed: int) -> ToolCall:
    text = ctx.last_user_text
    if tool.get("type") == "custom":
        return ToolCall(tool["name"], text, kind="custom")
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    args = SchemaValues(schema, seed=seed ^ hash_name(tool["name"]), hint_text=text).value()
    return ToolCall(tool["name"], orjson.dumps(args).decode())


def hash_name(name: str) -> int:
    return int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "big")


def _hosted(ctx: ModelContext, tool: dict, seed: int, out: Plan) -> None:
    text = ctx.last_user_text.strip()[:200] or "the question"
    kind = kind_of(tool)
    if kind == "web_search":
        out.calls.append(hosted.web_search(text))
        out.notes.append(f"I searched the web for \"{text}\".")
    elif kind == "file_search":
        out.calls.append(hosted.file_search(text))
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


def answer_from_outputs(ctx: ModelContext) -> str | None:
    """The final message after tool outputs: it uses what the tools returned, verbatim."""
    outputs = [i for i in ctx.turn_items if i.get("type") in ("function_call_output", "custom_tool_call_output")]
    if not outputs:
        return None
    names = {i.get("call_id"): i.get("name") for i in ctx.items if i.get("type") in ("function_call", "custom_tool_call")}
    parts = []
    for item in outputs:
        output = item.get("output")
        if not isinstance(output, str):
            output = " ".join(p.get("text", "") for p in output or [] if isinstance(p, dict)) or orjson.dumps(output).decode()
        name = names.get(item.get("call_id"), "the tool")
        parts.append(f"According to {name}: {output.strip()[:500]}")
    return " ".join(parts) + " Let me know if you need anything else."
