"""Codex's code mode: one custom tool (`exec`) whose input is JavaScript that calls the real tools,
declared in its description (`declare const tools: { exec_command(args: {cmd: string; …}) … }`).

Reads those declarations as tools, writes the script that calls one (`text(await
tools.exec_command({cmd: "ls"}));`), and reads back which tool and arguments a script called.
"""

from __future__ import annotations

import re

import orjson

_DECLARATION = re.compile(r"declare const tools: \{\s*([A-Za-z_$][\w$]*)\((\w+): ")
_FIELD = re.compile(r"^\s*([A-Za-z_$][\w$]*)(\?)?:\s*(.+?);?\s*$")
_LITERALS = re.compile(r'"((?:[^"\\]|\\.)*)"')
_CALL = re.compile(r"\btools\.([A-Za-z_$][\w$]*)\(\s*")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_BARE_KEY = re.compile(r'([{,]\s*)([A-Za-z_$][\w$]*)\s*:')


def is_code_mode(tool: dict) -> bool:
    """A custom tool that runs JavaScript calling tools it declares (Codex's `exec`)."""
    return tool.get("type") == "custom" and "declare const tools:" in str(tool.get("description") or "")


def nested_tools(tool: dict) -> list[dict]:
    """The tools a code-mode tool's description declares, as function tools (an object argument)
    or custom tools (a string one), in order."""
    text = str(tool.get("description") or "")
    out = []
    for m in _DECLARATION.finditer(text):
        name, rest = m.group(1), text[m.end():]
        if rest.startswith("string"):
            out.append({"type": "custom", "name": name})
            continue
        body = _braced(rest)
        if body is None:
            continue
        out.append({"type": "function", "name": name, "parameters": _schema(body)})
    return out


def _braced(text: str) -> str | None:
    """The inside of the `{…}` that `text` starts with, nested braces and all."""
    if not text.startswith("{"):
        return None
    depth, quote, escaped, comment = 0, None, False, False
    for i, ch in enumerate(text):
        if comment:  # a `// …` comment (the declarations' field descriptions) runs to the line's end
            comment = ch != "\n"
            continue
        if quote is not None:  # inside a string literal: braces there are text
            escaped, quote = (not escaped and ch == "\\"), (None if ch == quote and not escaped else quote)
            continue
        if ch == "/" and text[i + 1:i + 2] == "/":
            comment = True
            continue
        if ch in "\"'`":
            quote = ch
            continue
        depth += (ch == "{") - (ch == "}")
        if depth == 0:
            return text[1:i]
    return None


def _schema(body: str) -> dict:
    """A JSON Schema for a TypeScript object type's top-level fields (comments as descriptions)."""
    props: dict[str, dict] = {}
    required: list[str] = []
    comment: list[str] = []
    depth = 0
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):  # a field's description (braces in it are prose)
            if depth == 0:
                comment.append(stripped.lstrip("/ ").strip())
            continue
        m = _FIELD.match(line) if depth == 0 else None
        depth += line.count("{") - line.count("}")
        if m is None:
            continue
        name, optional, kind = m.groups()
        props[name] = {**_type(kind), **({"description": " ".join(comment)} if comment else {})}
        comment = []
        if not optional:
            required.append(name)
    return {"type": "object", "properties": props, "required": required}


def _type(kind: str) -> dict:
    kind = kind.strip()
    if kind in ("string", "number", "boolean"):
        return {"type": kind}
    if kind in ("Array<string>", "string[]"):
        return {"type": "array", "items": {"type": "string"}}
    literals = _LITERALS.findall(kind)
    if literals and re.fullmatch(r'\s*"(?:[^"\\]|\\.)*"(?:\s*\|\s*"(?:[^"\\]|\\.)*")*\s*', kind):
        return {"type": "string", "enum": literals}
    return {}


def script(name: str, argument: dict | str) -> str:
    """The JavaScript that calls tool `name` once and hands its result back as the output."""
    return f"text(await tools.{name}({_js(argument)}));"


def _js(value: object) -> str:
    """A JSON value as a JavaScript literal, object keys bare where they are identifiers."""
    if isinstance(value, dict):
        keys = [k if _IDENTIFIER.fullmatch(k) else _js(k) for k in value]
        return "{" + ", ".join(f"{k}: {_js(v)}" for k, v in zip(keys, value.values(), strict=True)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_js(v) for v in value) + "]"
    return orjson.dumps(value).decode()


def call_of(source: str) -> tuple[str, object] | None:
    """(tool name, argument) of the first `tools.NAME(<literal>)` in a script: an object literal
    with bare or quoted keys, or a string; None if there is none, or its argument is no literal."""
    m = _CALL.search(source or "")
    if m is None:
        return None
    rest = source[m.end():]
    if rest.startswith(")"):
        return m.group(1), {}
    literal = _braced(rest)
    if literal is not None:
        literal = "{" + literal + "}"
    else:
        string = re.match(r'"(?:[^"\\]|\\.)*"', rest)
        if string is None:
            return None
        literal = string.group()
    for text in (literal, _BARE_KEY.sub(r'\1"\2":', literal)):
        try:
            return m.group(1), orjson.loads(text)
        except orjson.JSONDecodeError:
            continue
    return None
