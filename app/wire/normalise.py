"""What a request body becomes before it is validated against the SDK's types: the real API
takes more than those types say, and refuses what they cannot (empty or NUL ids).

Every such extra is one entry of `EXTRAS` below, with the evidence for it; README's "Accepted
beyond the SDK's types" lists the same entries (tests/unit/test_extras.py keeps them in step)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from responses_mock import ids
from responses_mock.errors import InvalidRequest


def prepare(data: dict) -> tuple[dict, dict[tuple[str, int], str]]:
    """The body ready for validation, and the message ids lifted off it (put back after)."""
    data = _drop_nulls(data)
    _check_ids(data)
    for extra in EXTRAS:
        if extra.apply is not None:
            extra.apply(data)
    return data, _lift_item_ids(data)


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


def _lift_item_ids(data: dict) -> dict[tuple[str, int], str]:
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
                lifted[(key, i)] = item["id"]
    return lifted


def _fill_optional_tool_fields(data: dict) -> None:
    """The SDK types `strict` and `parameters` of a function tool as required-but-nullable; the API
    accepts them left out (the Agents SDK and many clients do), so absent means null here."""
    for tool in data.get("tools") or []:
        if isinstance(tool, dict) and tool.get("type") == "function":
            tool.setdefault("strict", None)
            tool.setdefault("parameters", None)


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
    Extra("function tools without strict or parameters", "the Agents SDKs and many clients leave them out",
          _fill_optional_tool_fields),
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
