"""Arguments of the default model's tool calls: a required one from what the user said where it
says it (quoted text, a path, a number, a place, an enum value), else a plausible value valid for
the schema; an optional one only when the message supplies it. A shell tool gets the command verbatim.
"""

from __future__ import annotations

import re
from typing import Any

from responses_mock.backends.intent import Said, tokens
from responses_mock.backends.schema_values import Budget, SchemaValues
from responses_mock.backends.shells import command_value, shell_field
from responses_mock.wire import patterns

DEFAULT_COMMAND = "ls"  # a shell tool forced without a command to run: harmless, and says something

_MISSING = object()
_PATH_NAMES = {"path", "file", "filename", "filepath", "dir", "directory", "workdir", "cwd", "folder"}
_DIR_NAMES = {"dir", "directory", "workdir", "cwd", "folder"}
_PLACE_NAMES = {"city", "location", "place", "country", "region", "destination", "address", "town"}
_DATE_NAMES = {"date", "day", "when", "deadline"}
_FREE_TEXT = set("""query question prompt text message input topic keyword objective goal task description
content body note summary title subject reason instruction explanation step comment answer request""".split())
_CANDIDATES = 200  # words of the message tried against a `pattern`
_MAX_PATTERN = 1_000  # longer patterns are left to the generator
_COMPOSITE = ("items", "prefixItems", "anyOf", "oneOf", "allOf", "additionalProperties", "not")


def function_arguments(tool: dict, said: Said, seed: int, command: str | None = None) -> dict:
    """A function call's arguments: required properties always, optional ones when said."""
    schema = tool.get("parameters") if isinstance(tool.get("parameters"), dict) else {}
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or [])
    shell = shell_field(tool)
    out: dict[str, Any] = {}
    budget = Budget()  # one for the whole call: each property's values count against it
    defs = {k: {n: _required_only(d) for n, d in schema[k].items()} for k in ("$defs", "definitions")
            if isinstance(schema.get(k), dict)}  # once, not once per property
    for name, sub in props.items():
        sub = _resolve(sub, schema)
        if shell is not None and name == shell.name:
            out[name] = command_value(shell, command or DEFAULT_COMMAND)
            continue
        given = _supplied(name, sub, said, schema)
        if name not in required:
            if given is not _MISSING:
                out[name] = given
        elif _nullable(sub, schema):  # strict mode's way of optional: null unless the user said it
            out[name] = None if given is _MISSING else given
        else:
            out[name] = given if given is not _MISSING else _identifier(
                _required(name, sub, said, schema, seed, budget, defs), sub)
    return out


def _identifier(value: Any, schema: dict) -> Any:
    """A value the schema describes as an identifier ("Use lowercase letters, digits, and
    underscores": Codex's spawn_agent task_name) made one: snake_case."""
    description = str(schema.get("description") or "").lower()
    if not (isinstance(value, str) and "underscore" in description and "lowercase" in description):
        return value
    return "_".join(re.findall(r"[a-z0-9]+", value.lower()))[:64] or "task"


def custom_input(tool: dict, said: Said, command: str | None = None) -> str:
    """A custom (freeform) tool's input: the command, a patch for a patch tool, else what was quoted."""
    if command is not None:
        return command
    grammar = str(((tool.get("format") or {}).get("definition")) or "")
    if "patch" in tokens(tool.get("name") or "") or "Begin Patch" in grammar:
        files = [p for p in said.paths if "." in p.rsplit("/", 1)[-1]]
        line = next((q for q in said.quoted if q not in files), "TODO")
        return f"*** Begin Patch\n*** Add File: {files[0] if files else 'notes.txt'}\n+{line}\n*** End Patch"
    return said.quoted[0] if said.quoted else said.text.strip()


# -- values said in the message ------------------------------------------------------------------

def _supplied(name: str, sub: dict, said: Said, root: dict) -> Any:
    """The value the message gives this property, or _MISSING."""
    concrete = _concrete(sub, root)
    enum = concrete.get("enum")
    if enum:
        return next((v for v in enum if isinstance(v, str) and said.mentions(v)), _MISSING)
    toks = tokens(name)
    last = toks[-1] if toks else ""
    kind = _kind(concrete)
    if kind == "string":
        if last in _PATH_NAMES and said.place_paths:
            return said.place_paths[0]
        if last in _PLACE_NAMES and said.places:
            return said.places[0]
        if set(toks) & _DATE_NAMES and said.dates:
            date = said.dates[0]
            return date if date[0].isdigit() else date.capitalize()
        quoted = said.quoted_after(name)
        return quoted if quoted is not None and _fits(quoted, concrete) else _MISSING
    if kind in ("integer", "number"):
        number = said.number_near(name)
        return _MISSING if number is None else _clamp(number, concrete, kind == "integer")
    return _MISSING


def _required(name: str, sub: dict, said: Said, root: dict, seed: int, budget: Budget, defs: dict) -> Any:
    """A required property the message did not spell out for it: the closest thing it said, else a
    generated value valid for the schema."""
    concrete = _concrete(sub, root)
    if _kind(concrete) == "string" and not concrete.get("enum") and "const" not in concrete \
            and not concrete.get("format"):
        value = _said_string(name, concrete, said)
        if value is not None and _fits(value, concrete):
            return value
    return _generated(name, sub, said, seed, budget, defs)


def _said_string(name: str, schema: dict, said: Said) -> str | None:
    pattern = schema.get("pattern")
    if pattern:
        candidates = said.quoted[:_CANDIDATES] + [t.strip(".,;:!?()\"'") for t in said.plain.split()[:_CANDIDATES]]
        return next((c for c in candidates if c and _matches(pattern, c)), None)
    toks = tokens(name)
    last = toks[-1] if toks else ""
    if last in _PATH_NAMES:
        paths = said.place_paths or said.paths
        return paths[0] if paths else "." if last in _DIR_NAMES else "README.md"
    if last in _FREE_TEXT:
        return said.quoted[0] if said.quoted else said.request or None
    if last in _PLACE_NAMES or set(toks) & _DATE_NAMES:
        return None  # the generator reads places and dates from the message itself
    return said.quoted[0] if said.quoted else None


def _generated(name: str, sub: dict, said: Said, seed: int, budget: Budget, defs: dict) -> Any:
    """A schema-valid value with only the required parts of nested objects."""
    wrapper = {"type": "object", "properties": {name: _required_only(sub)}, "required": [name], **defs}
    value = SchemaValues(wrapper, seed=seed, hint_text=said.plain, budget=budget).value()
    return value.get(name) if isinstance(value, dict) else None


# -- schema reading ------------------------------------------------------------------------------

def _resolve(schema: Any, root: dict) -> dict:
    for _ in range(32):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            break
        node: Any = root
        for part in schema["$ref"].removeprefix("#").strip("/").split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) and part else node
        schema = {**(node if isinstance(node, dict) else {}), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema if isinstance(schema, dict) else {}


def _concrete(schema: dict, root: dict) -> dict:
    """The non-null branch of a nullable schema."""
    for key in ("anyOf", "oneOf"):
        branches = [_resolve(b, root) for b in schema.get(key) or []]
        if branches:
            return next((b for b in branches if b.get("type") != "null"), branches[0])
    return schema


def _nullable(schema: dict, root: dict) -> bool:
    kind = schema.get("type")
    if isinstance(kind, list) and "null" in kind:
        return True
    return any(_resolve(b, root).get("type") == "null" for key in ("anyOf", "oneOf") for b in schema.get(key) or [])


def _kind(schema: dict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        return "object"
    return kind if kind is not None or "items" not in schema else "array"


def _fits(value: str, schema: dict) -> bool:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    pattern = schema.get("pattern")
    return (isinstance(low, int) and len(value) >= low and (not isinstance(high, int) or len(value) <= high)
            and (not isinstance(pattern, str) or _matches(pattern, value)))


def _matches(pattern: str, value: str) -> bool:
    """On RE2 (the caller's pattern: linear time, whatever it is); a pattern RE2 refuses matches nothing."""
    if len(pattern) > _MAX_PATTERN:
        return False
    try:
        return patterns.search(pattern, value)
    except ValueError:
        return False


def _clamp(value: float, schema: dict, integer: bool) -> float | int:
    for key, pick in (("minimum", max), ("maximum", min)):
        bound = schema.get(key)
        if isinstance(bound, (int, float)) and not isinstance(bound, bool):
            value = pick(value, bound)
    return int(value) if integer or float(value).is_integer() else value


def _required_only(schema: Any) -> Any:
    """The schema with every object's optional properties dropped (a call leaves them out)."""
    if isinstance(schema, list):
        return [_required_only(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            keep = set(schema.get("required") or [])
            out[key] = {n: _required_only(p) for n, p in value.items() if n in keep}
        elif key in _COMPOSITE:
            out[key] = _required_only(value)
        else:
            out[key] = value
    return out
