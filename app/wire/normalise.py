"""What a request body becomes before it is validated against the SDK's types: the real API
takes more than those types say, and refuses what they cannot (empty or NUL ids).

Every such extra is one entry of `EXTRAS` below, with the evidence for it; README's "Accepted
beyond the SDK's types" lists the same entries (tests/e2e/test_extras.py keeps them in step)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Required, get_args, get_origin, get_type_hints

from openai.types.responses.response_input_item_param import ResponseInputItemParam
from openai.types.responses.tool_param import ToolParam
from pydantic import ConfigDict, TypeAdapter, ValidationError

from responses_mock import ids
from responses_mock.errors import InvalidRequest
from responses_mock.wire.wording import validation_error


def prepare(data: dict) -> tuple[dict, dict[tuple[str, int], dict]]:
    """The body ready for validation, and the fields lifted off its items (message ids, a custom
    tool call's status), by (key, index), to put back after."""
    data = _drop_nulls(data)
    _check_ids(data)
    for extra in EXTRAS:
        if extra.apply is not None:
            extra.apply(data)
    return data, {**_lift_item_ids(data), **_custom_call_status(data)}


def _non_empty(value: Any, param: str) -> None:
    if value == "":
        raise InvalidRequest(f"Invalid '{param}': empty string. Expected a string with minimum length 1, but got "
                             "an empty string instead.", param=param, code="empty_string")
    if isinstance(value, str) and "\x00" in value:  # no id has one (and Postgres text cannot hold one)
        raise InvalidRequest(f"Invalid '{param}': the id contains a null character.", param=param,
                             code="invalid_value")


def _check_ids(data: dict) -> None:
    """Ids are absent or real: an empty one is refused (a null one was dropped: absent, so the
    server names the item)."""
    _non_empty(data.get("previous_response_id"), "previous_response_id")
    conversation = data.get("conversation")
    _non_empty(conversation.get("id") if isinstance(conversation, dict) else conversation,
               "conversation.id" if isinstance(conversation, dict) else "conversation")
    for key in ("input", "items"):
        value = data.get(key)
        if not isinstance(value, list):
            continue
        for i, item in enumerate(value):
            if isinstance(item, dict):
                _non_empty(item.get("id"), f"{key}[{i}].id")
                _non_empty(item.get("call_id"), f"{key}[{i}].call_id")


def _lift_item_ids(data: dict) -> dict[tuple[str, int], dict]:
    """Take `id` off input messages of role user/system/developer, to put back after validation.

    The SDK's input-message types have no `id`, yet the API lists such messages with ids (input
    items, conversation items, compaction output) and documents sending them back as input.
    """
    lifted = {}
    for key in ("input", "items"):
        value = data.get(key)
        if not isinstance(value, list):
            continue
        for i, item in enumerate(value):
            if (isinstance(item, dict) and item.get("type", "message") == "message"
                    and item.get("role") != "assistant" and isinstance(item.get("id"), str)):
                data[key][i] = {k: v for k, v in item.items() if k != "id"}
                lifted[(key, i)] = {"id": item["id"]}
    return lifted


def _nullable_required(shape: type) -> tuple[str, ...]:
    """The keys a TypedDict types as required-but-nullable (`Required[Optional[...]]`)."""
    hints = get_type_hints(shape, include_extras=True)
    return tuple(k for k, hint in hints.items() if get_origin(hint) is Required
                 and type(None) in get_args(get_args(hint)[0]))


def _by_type(union: object) -> dict[str, tuple[str, ...]]:
    """Each member of a union of TypedDicts, by its `type` literal: its required-but-nullable keys."""
    out: dict[str, tuple[str, ...]] = {}
    for shape in get_args(union):
        kind = get_args(get_args(get_type_hints(shape, include_extras=True).get("type", Required[None]))[0])
        keys = _nullable_required(shape)
        if kind and isinstance(kind[0], str) and keys:
            out[kind[0]] = keys
    return out


# What the SDK types as required-but-nullable: function tools' `strict` and `parameters`, a code
# interpreter call's `code` and `outputs`, an image generation call's `result`. Derived, so the list
# follows the installed SDK.
_TOOL_NULLABLE = _by_type(ToolParam)
_ITEM_NULLABLE = _by_type(ResponseInputItemParam)
_ITEMS_WITH_TOOLS = ("additional_tools", "tool_search_output")  # items that carry a list of tools


def _items(data: dict) -> list[dict]:
    return [item for key in ("input", "items") if isinstance(data.get(key), list)
            for item in data[key] if isinstance(item, dict)]


def _tool_lists(data: dict) -> list[tuple[list, bool]]:
    """Every list of tools a body holds, and whether it is a namespace's: `tools`, those of
    additional_tools and tool_search_output items, and those grouped in namespace tools of these."""
    found = []
    todo = [(data.get("tools"), False)] + [(item.get("tools"), False) for item in _items(data)
                                           if item.get("type") in _ITEMS_WITH_TOOLS]
    while todo:
        tools, grouped = todo.pop(0)
        if not isinstance(tools, list):
            continue
        found.append((tools, grouped))
        todo += [(t.get("tools"), True) for t in tools if isinstance(t, dict) and t.get("type") == "namespace"]
    return found


def _fill_optional_tool_fields(data: dict) -> None:
    """The SDK types `strict` and `parameters` of a function tool as required-but-nullable; the API
    accepts them left out (the Agents SDK and many clients do), so absent means null here — wherever
    a tool is given: `tools`, an additional_tools or tool_search_output item. (A namespace's own
    function tools have them optional already: left as sent.)"""
    for tools, grouped in _tool_lists(data):
        for tool in tools if not grouped else ():
            if isinstance(tool, dict):
                for key in _TOOL_NULLABLE.get(tool.get("type"), ()):
                    tool.setdefault(key, None)


def _fill_nullable_item_fields(data: dict) -> None:
    """Items we send out with a null required field (a code interpreter call's `outputs: null`)
    come back with it null, or left out: null-means-absent would otherwise make it missing."""
    for item in _items(data):
        for key in _ITEM_NULLABLE.get(item.get("type"), ()):
            item.setdefault(key, None)


_STATUSES = TypeAdapter(Literal["in_progress", "completed", "incomplete"], config=ConfigDict(strict=True))


def _custom_call_status(data: dict) -> dict[tuple[str, int], dict]:
    """A custom_tool_call sent back with the `status` our output item carries (Codex does, every
    turn): its input type has no `status`, so it is checked here and lifted off, to put back after."""
    lifted = {}
    for key in ("input", "items"):
        value = data.get(key)
        for i, item in enumerate(value if isinstance(value, list) else []):
            if isinstance(item, dict) and item.get("type") == "custom_tool_call" and "status" in item:
                try:
                    _STATUSES.validate_python(item["status"])
                except ValidationError as exc:
                    raise validation_error([{**e, "loc": (key, i, "status")} for e in exc.errors()], data) from None
                value[i] = {k: v for k, v in item.items() if k != "status"}
                lifted[(key, i)] = {"status": item["status"]}
    return lifted


# Values that are the caller's own data, not API structure: a null in them is content (a JSON
# Schema's `"default": null`, a template variable), so it is kept.
_FREE_FORM = frozenset({"parameters", "schema", "metadata", "client_metadata", "variables", "headers"})


def _drop_nulls(data: dict) -> dict:
    """A null optional parameter means "not given", at every depth: clients such as LlamaIndex send
    every optional field on every call (`"user": null`, `"tools": null`…) and Codex sends reasoning
    items back with `"content": null`; the real API takes them. Required ones are checked for
    presence before this (`model`) or report as missing."""
    out = {}
    stack = [(data, out)]
    while stack:  # iterative: parse_json has bounded the depth, but no recursion to overflow
        src, dst = stack.pop()
        for key, value in (src.items() if isinstance(src, dict) else enumerate(src)):
            if value is None and isinstance(src, dict):
                continue
            if isinstance(value, (dict, list)) and key not in _FREE_FORM:
                copy = {} if isinstance(value, dict) else [None] * len(value)
                stack.append((value, copy))
                value = copy
            dst[key] = value
    return out


def _fill_image_detail(data: dict) -> None:
    """`detail` of an input image is optional on the wire (the docs' own example leaves it out; the
    API treats it as "auto"), though the SDK types it as required."""
    for key in ("input", "items"):
        for item in data.get(key) or [] if isinstance(data.get(key), list) else []:
            content = item.get("content") if isinstance(item, dict) else None
            for part in content if isinstance(content, list) else []:
                if isinstance(part, dict) and part.get("type") == "input_image" and part.get("detail") is None:
                    part["detail"] = "auto"


_OUTPUT_PARTS = ("output_text", "refusal")


def _fill_assistant_messages(data: dict) -> None:
    """An earlier answer sent back as an assistant message with output parts (LangChain, the AI
    SDK) needs no `status`, `annotations` or `id`, as the real API takes it; the SDK's output-message
    type requires them, so they are filled in (the server names the item if it has no id)."""
    for key in ("input", "items"):
        for item in data.get(key) or [] if isinstance(data.get(key), list) else []:
            if not (isinstance(item, dict) and item.get("role") == "assistant" and item.get("type", "message") == "message"
                    and isinstance(item.get("content"), list)):
                continue
            parts = [p for p in item["content"] if isinstance(p, dict)]
            if not parts or not all(p.get("type") in _OUTPUT_PARTS for p in parts):
                continue
            item.setdefault("type", "message")
            item.setdefault("status", "completed")
            if not item.get("id"):
                item["id"] = ids.item_id("message")
            for part in parts:
                if part.get("type") == "output_text":
                    part.setdefault("annotations", [])


@dataclass(frozen=True)
class Extra:
    """One thing the real API takes that the SDK's types do not, and who showed it."""

    name: str
    evidence: str
    apply: Callable[[dict], None] | None = None  # None: honoured where `where` says
    where: str = "wire/normalise.py"


# The documented list (README "Accepted beyond the SDK's types"); a new one is one line here.
EXTRAS: tuple[Extra, ...] = (
    Extra("null means absent, at any depth",
          "LlamaIndex sends every optional field as null; Codex CLI sends reasoning items back with "
          '"content": null on every turn after a reasoning model\'s answer'),
    Extra("input_image without detail (auto)", "the API reference's own image example leaves it out",
          _fill_image_detail),
    Extra("assistant output messages without status, annotations or id",
          "LangChain and the Vercel AI SDK send earlier answers back so", _fill_assistant_messages),
    Extra("function tools without strict or parameters", "the Agents SDKs and many clients leave them out; "
          "Codex CLI's additional_tools items carry tools too", _fill_optional_tool_fields),
    Extra("code_interpreter_call and image_generation_call sent back with null outputs, code or result",
          "we emit `outputs: null` as the real API does; the SDK types these required-but-nullable, so "
          "null-means-absent would make them missing", _fill_nullable_item_fields),
    Extra("custom_tool_call input items with status",
          "Codex CLI sends custom_tool_call items back with the status of the output item "
          "(ResponseCustomToolCallItem has it; the input type lacks it); the value is checked and kept"),
    Extra("ids on user, system and developer input messages",
          "the API lists such messages with ids (input items, conversation items) and takes them back"),
    Extra("client_metadata: a map of strings", "Codex CLI sends it on every request, HTTP and WebSocket "
          "(codex-rs: client_metadata() with installation, session and thread ids); not echoed",
          where="wire/requests.py"),
    Extra("function_call_output without call_id",
          "the spec and the SDK type call_id as optional there; Codex's goals feature sends "
          "{type, name, namespace, output}; the pairing check applies when a call_id is given",
          where="services/context.py"),
)
