"""Shell-like tools: which tools run commands (exec_command, shell, shell_command, local_shell,
the built-in shell, a custom `exec`, Codex's code-mode `exec` through the shell tool it declares…),
the form each takes a command in, the command a past call ran, and how its output reads back in
the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import orjson

from responses_mock.backends import code_mode
from responses_mock.backends.intent import tokens

_SHELL_WORDS = {"shell", "bash", "exec", "execute", "terminal", "cmd", "zsh", "powershell", "console"}
_COMMAND_FIELDS = ("cmd", "command", "commands", "script", "shell_command", "command_line", "cmdline", "argv", "args")
_SHELL_PREFIXES = (["bash", "-lc"], ["bash", "-c"], ["sh", "-c"], ["sh", "-lc"], ["zsh", "-lc"], ["zsh", "-c"])


@dataclass(frozen=True)
class ShellField:
    """Where a shell-like tool takes its command: a property (string or argv array), or free text."""

    name: str | None  # None: a custom tool's input, or a built-in tool's action
    array: bool = False
    via: str | None = None  # code mode: the declared tool the script calls, `name` its field


def shell_field(tool: dict) -> ShellField | None:
    """How this tool runs a command, if it is shell-like (exec_command, shell, shell_command,
    local_shell, a custom `exec` tool…); None if it is not."""
    kind = tool.get("type")
    if kind in ("local_shell", "shell"):
        return ShellField(None, array=kind == "local_shell")
    name = tool.get("name") or ""
    toks = set(tokens(name))
    if not (toks & _SHELL_WORDS or {"run", "command"} <= toks or toks == {"sh"}):
        return None
    if kind == "custom":
        return _code_mode_shell(str(tool.get("description"))) if code_mode.is_code_mode(tool) else ShellField(None)
    if kind != "function":
        return None
    props = ((tool.get("parameters") or {}).get("properties")) or {}
    for field_name in _COMMAND_FIELDS:
        sub = props.get(field_name)
        if not isinstance(sub, dict):
            continue
        if sub.get("type") == "array" and (sub.get("items") or {}).get("type", "string") == "string":
            return ShellField(field_name, array=True)
        if sub.get("type") in ("string", None):
            return ShellField(field_name)
    return None


@lru_cache(maxsize=64)
def _code_mode_shell(description: str) -> ShellField | None:
    """A code-mode tool runs commands through the first shell-like tool it declares; with none it
    runs JavaScript only, and is no shell. (Cached: Codex's description is 14 kB, read per turn.)"""
    for nested in code_mode.nested_tools({"type": "custom", "description": description}):
        spec = shell_field(nested)
        if spec is not None and spec.name is not None:
            return ShellField(spec.name, spec.array, via=nested["name"])
    return None


def command_input(spec: ShellField, command: str) -> str:
    """A custom tool's input that runs `command`: the command itself, or in code mode the script
    that calls the declared shell tool with it."""
    if spec.via is None:
        return command
    return code_mode.script(spec.via, {spec.name: command_value(spec, command)})


def command_value(spec: ShellField, command: str) -> str | list[str]:
    """The command as the tool takes it: verbatim, or as Codex itself sends argv: bash -lc <cmd>."""
    return ["bash", "-lc", command] if spec.array else command


def command_of(value: object) -> str | None:
    """The command a past call ran, back from either form."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        for prefix in _SHELL_PREFIXES:
            if value[:2] == prefix and len(value) == 3:
                return value[2]
        return " ".join(value)
    return None


def command_of_call(item: dict) -> str | None:
    """The command a call of this turn ran, whatever shell tool it went to."""
    kind = item.get("type")
    if kind == "local_shell_call":
        return command_of((item.get("action") or {}).get("command"))
    if kind == "shell_call":
        commands = (item.get("action") or {}).get("commands") or []
        return commands[0] if len(commands) == 1 else command_of(commands)
    if kind == "custom_tool_call":
        called = code_mode.call_of(item.get("input") or "")
        if called is None:
            return item.get("input")
        return _command_in(called[1])  # a code-mode script: the command it gave a shell tool, if any
    if kind == "function_call":
        try:
            args = orjson.loads(item.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            return None
        return _command_in(args)
    return None


def _command_in(args: object) -> str | None:
    for name in _COMMAND_FIELDS:
        if isinstance(args, dict) and name in args:
            return command_of(args[name])
    return None


_SHOWN_LINES, _SHOWN_CHARS = 20, 1500


def output_text(output: object) -> str:
    """A tool output as text: the string, the text of its content parts, a shell's stdout and stderr."""
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        parts = [p for p in output if isinstance(p, dict)]
        if any("stdout" in p or "stderr" in p for p in parts):  # the built-in shell's shell_call_output
            return "".join(str(p.get("stdout") or "") + str(p.get("stderr") or "") for p in parts)
        texts = [str(p.get("text") or "") for p in parts]
        # Parts that end a line (Codex's "…Output:\n" header) run on; others read as words.
        text = "".join(t if i == len(texts) - 1 or t[-1:].isspace() else t + " " for i, t in enumerate(texts)).strip()
        if text:
            return text
    return orjson.dumps(output).decode()


def ran(command: str, output: str) -> str:
    """`I ran <cmd>` and what it printed. Codex's exec_command keeps header lines (chunk id, wall
    time, exit code) above an "Output:" line, and only what follows is the command's; its code
    mode heads a script's output so too ("Script completed…"), the script's text being the shell
    tool's result as JSON ({"output", "exit_code"}); local_shell and Codex's `shell` answer in
    JSON ({"output", "metadata": {"exit_code"}})."""
    found = re.search(r"^(?:Process exited with code|Exit code:)\s*(-?\d+)", output, re.M)
    code = int(found.group(1)) if found else None
    if "\nOutput:\n" in output or output.startswith("Output:\n"):
        output = ("\n" + output).split("\nOutput:\n", 1)[1]
    try:
        parsed = orjson.loads(output.strip())
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("output"), str):
        meta = parsed.get("metadata")
        given = parsed.get("exit_code", meta.get("exit_code") if isinstance(meta, dict) else None)
        code, output = given if isinstance(given, int) else code, parsed["output"]
    body = output.strip("\n")
    shown = "\n".join(body.splitlines()[:_SHOWN_LINES])[:_SHOWN_CHARS]
    status = f"\n\nIt exited with code {code}." if isinstance(code, int) and code != 0 else ""
    if not body.strip():
        return f"I ran `{command}`; it printed nothing.{status}"
    fence = "~~~" if "```" in shown else "```"
    trimmed = " (trimmed)" if shown != body else ""
    return f"I ran `{command}`. Its output{trimmed}:\n\n{fence}\n{shown}\n{fence}{status}"
