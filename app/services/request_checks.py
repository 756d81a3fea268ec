"""Checks of a create request that its types cannot express: strict JSON Schemas (function tools,
`text.format`), `tool_choice` naming a tool that is not there, json_object mode without "json".

Worded as the real API words them, with its codes and params.
"""

from __future__ import annotations

import re

import orjson

from responses_mock.backends import schema_values
from responses_mock.errors import InvalidRequest

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _strict_problems(schema: object, path: tuple = ()) -> tuple[tuple, str] | None:
    """The first place a schema breaks Structured Outputs' strict rules, or None."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            return path, "'additionalProperties' is required to be supplied and to be false."
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])  # a set: 5,000 properties are allowed
        missing = [k for k in props if k not in required]
        if missing:
            return path, ("'required' is required to be supplied and to be an array including every key "
                          f"in properties. Missing '{missing[0]}'.")
        for key, sub in props.items():
            if found := _strict_problems(sub, path + ("properties", key)):
                return found
    for key in ("items",):
        if found := _strict_problems(schema.get(key), path + (key,)):
            return found
    for key in ("anyOf", "allOf", "prefixItems"):
        for i, sub in enumerate(schema.get(key) or []):
            if found := _strict_problems(sub, path + (key, i)):
                return found
    for key in ("$defs", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            if found := _strict_problems(sub, path + (key, name)):
                return found
    return None


def _context(path: tuple) -> str:
    return "()" if not path else repr(path)


def check_strict_schema(schema: dict, what: str, param: str, code: str, patterns: set | None = None) -> None:
    if schema.get("type") != "object":
        got = schema.get("type", "anyOf" if "anyOf" in schema else None)
        raise InvalidRequest(f"Invalid schema for {what}: schema must be a JSON Schema of 'type: \"object\"', "
                             f"got 'type: \"{got}\"'.", param=param, code=code)
    if found := _strict_problems(schema):
        path, problem = found
        raise InvalidRequest(f"Invalid schema for {what}: In context={_context(path)}, {problem}",
                             param=param, code=code)
    if problem := schema_values.limit_problem(schema, patterns):  # sizes and patterns: bounded work
        raise InvalidRequest(f"Invalid schema for {what}: {problem}", param=param, code=code)


def _strict_schemas(params: dict) -> list[dict]:
    tools = [t.get("parameters") or {} for t in params.get("tools") or []
             if t.get("type") == "function" and t.get("strict") is True]
    fmt = ((params.get("text") or {}).get("format")) or {}
    return tools + ([fmt.get("schema") or {}] if fmt.get("type") == "json_schema" and fmt.get("strict") is True else [])


def compiles_patterns(params: dict) -> bool:
    """Whether checking this request compiles patterns of strict schemas (then run `check` in a
    thread: a pattern may take milliseconds to compile)."""
    return any(b'"pattern"' in orjson.dumps(schema) for schema in _strict_schemas(params))


def check(params: dict, user_texts: list[str]) -> None:
    tools = params.get("tools") or []
    patterns: set[str] = set()  # distinct patterns of the request's strict schemas
    for i, tool in enumerate(tools):
        if tool.get("type") == "function" and tool.get("strict") is True:
            check_strict_schema(tool.get("parameters") or {}, f"function '{tool.get('name')}'",
                                f"tools[{i}].parameters", "invalid_function_parameters", patterns)
        if tool.get("type") == "function" and not _NAME.match(tool.get("name", "")):
            raise InvalidRequest(f"Invalid 'tools[{i}].name': string does not match pattern. Expected a string "
                                 f"that matches the pattern '^[a-zA-Z0-9_-]+$'.", param=f"tools[{i}].name",
                                 code="invalid_value")
    choice = params.get("tool_choice")
    if choice == "required" and not tools:
        raise InvalidRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
                             "specified.", param="tool_choice", code="invalid_value")
    if isinstance(choice, dict) and choice.get("type") in ("function", "custom"):
        names = {t.get("name") for t in tools if t.get("type") == choice["type"]}
        if choice.get("name") not in names:
            raise InvalidRequest(f"Tool choice '{choice['type']}' not found in 'tools' parameter.",
                                 param="tool_choice", code="invalid_value")
    fmt = ((params.get("text") or {}).get("format")) or {}
    if fmt.get("type") == "json_schema":
        if not _NAME.match(fmt.get("name", "")):
            raise InvalidRequest("Invalid 'text.format.name': string does not match pattern. Expected a string "
                                 "that matches the pattern '^[a-zA-Z0-9_-]+$'.", param="text.format.name",
                                 code="invalid_value")
        if fmt.get("strict") is True:
            check_strict_schema(fmt.get("schema") or {}, f"response_format '{fmt['name']}'",
                                "text.format.schema", "invalid_json_schema", patterns)
    elif fmt.get("type") == "json_object" and not any("json" in t.lower() for t in user_texts):
        raise InvalidRequest("Response input messages must contain the word 'json' in some form to use "
                             "'text.format' of type 'json_object'.", param="input", code=None)
