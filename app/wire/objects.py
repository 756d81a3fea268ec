"""Builders for the objects we emit: Response, items, usage, list pages, deleted objects.

Key order follows the real API's (see the createResponse example in the spec).
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson

from responses_mock import ids

TERMINAL = ("completed", "incomplete", "failed", "cancelled")


def _tool_echo(tool: dict) -> dict:
    """A function tool left without `strict` is echoed strict, as the real API echoes it."""
    if tool.get("type") == "function" and tool.get("strict") is None:
        return {**tool, "strict": True}
    return tool


class ModelFacts(Protocol):
    """What a response object says of its model (services/catalog.py's CatalogModel has it)."""

    snapshot: str
    reasoning: bool
    default_effort: str | None


def response(*, id: str, created_at: int, params: dict, model: ModelFacts, status: str,
             background: bool = False) -> dict:
    """A fresh Response object: the request's settings echoed with the real defaults filled in."""
    text = dict(params.get("text") or {})
    text.setdefault("format", {"type": "text"})
    text.setdefault("verbosity", "medium")
    reasoning = dict(params.get("reasoning") or {})
    reasoning = {"context": reasoning.get("context"),
                 "effort": reasoning.get("effort", model.default_effort) if model.reasoning else None,
                 "summary": reasoning.get("summary")}
    conversation = params.get("conversation")
    if isinstance(conversation, str):
        conversation = {"id": conversation}
    tier = params.get("service_tier")
    body: dict[str, Any] = {
        "id": id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": background,
        "billing": {"payer": "developer"},  # what the real object carries beside the SDK's fields
        "completed_at": None,
        "error": None,
        "incomplete_details": None,
        "frequency_penalty": 0.0,
        "instructions": params.get("instructions"),
        "max_output_tokens": params.get("max_output_tokens"),
        "max_tool_calls": params.get("max_tool_calls"),
        "model": model.snapshot,
        "output": [],
        "parallel_tool_calls": params.get("parallel_tool_calls", True) is not False,
        "presence_penalty": 0.0,
        "previous_response_id": params.get("previous_response_id"),
        "prompt": None,
        "prompt_cache_key": params.get("prompt_cache_key"),
        "prompt_cache_retention": params.get("prompt_cache_retention"),
        "reasoning": reasoning,
        "safety_identifier": params.get("safety_identifier"),
        "service_tier": "default" if tier in (None, "auto") else tier,
        "store": params.get("store") is not False,
        "temperature": _or(params.get("temperature"), 1.0),
        "text": text,
        "tool_choice": _or(params.get("tool_choice"), "auto"),
        "tools": [_tool_echo(t) for t in params.get("tools") or []],
        "top_logprobs": _or(params.get("top_logprobs"), 0),
        "top_p": _or(params.get("top_p"), 1.0),
        "truncation": _or(params.get("truncation"), "disabled"),
        "usage": None,
        "user": params.get("user"),
        "metadata": params.get("metadata") or {},
        "moderation": None,
    }
    if conversation is not None:
        body["conversation"] = conversation
    return body


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def usage(input_tokens: int, output_tokens: int, reasoning_tokens: int, cached_tokens: int = 0) -> dict:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached_tokens, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": input_tokens + output_tokens,
    }


def output_text(text: str = "") -> dict:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def refusal(text: str = "") -> dict:
    return {"type": "refusal", "refusal": text}


def tool_call(kind: str, name: str, call_id: str, namespace: str | None = None) -> dict:
    """A function_call or custom_tool_call item, before its arguments/input stream in. A call to a
    tool grouped in a namespace tool names the namespace (the client routes the call by it)."""
    if kind == "function":
        item = {"id": ids.item_id("function_call"), "type": "function_call", "status": "in_progress",
                "arguments": "", "call_id": call_id, "name": name}
    else:
        item = {"id": ids.item_id("custom_tool_call"), "type": "custom_tool_call", "status": "in_progress",
                "call_id": call_id, "input": "", "name": name}
    if namespace is not None:
        item["namespace"] = namespace
    return item


def output_message(item_id: str, status: str = "in_progress") -> dict:
    return {"id": item_id, "type": "message", "status": status, "content": [], "role": "assistant"}


def reasoning_item(item_id: str) -> dict:
    return {"id": item_id, "type": "reasoning", "summary": []}


def summary_text(text: str = "") -> dict:
    return {"type": "summary_text", "text": text}


def input_item(raw: dict) -> dict:
    """An input item as the real API stores and lists it: typed, with an id, content as parts."""
    item = dict(raw)
    kind = item.setdefault("type", "message")
    if kind == "message":
        content = item.get("content")
        role = item.get("role", "user")
        if role == "assistant":
            if isinstance(content, str):
                item["content"] = [{"type": "output_text", "annotations": [], "logprobs": [], "text": content}]
            item.setdefault("status", "completed")
        elif isinstance(content, str):
            item["content"] = [{"type": "input_text", "text": content}]
        ordered = {"id": item.pop("id", None) or ids.item_id("message"), "type": "message"}
        item.pop("type")
        ordered.update(item)
        return ordered
    if not item.get("id") and kind != "item_reference":
        item = {"id": ids.item_id(kind), **item}
    if kind in _TOOL_STATUS:  # listed (input_items) with the status their resource schema requires
        item.setdefault("status", "completed")
    return item


# Item types whose stored (listed) form carries a status; Message requires one in conversations.
_WITH_STATUS = ("message", "function_call", "function_call_output", "computer_call_output", "custom_tool_call",
                "custom_tool_call_output")
_TOOL_STATUS = frozenset(_WITH_STATUS[1:])


def conversation_item(raw: dict) -> dict:
    """An item as a conversation stores and lists it: an input item, with its status."""
    item = input_item(raw)
    if item.get("type") in _WITH_STATUS:
        item.setdefault("status", "completed")
    return item


def conversation(id: str, created_at: int, metadata: dict) -> dict:
    return {"id": id, "object": "conversation", "created_at": created_at, "metadata": metadata}


def compacted(id: str, created_at: int, output: list[dict], usage: dict) -> dict:
    return {"id": id, "object": "response.compaction", "created_at": created_at, "output": output, "usage": usage}


def string_input(text: str) -> dict:
    return input_item({"type": "message", "role": "user", "content": text})


def deleted(id: str, object: str) -> dict:
    return {"id": id, "object": object, "deleted": True}


def input_tokens(n: int) -> dict:
    return {"object": "response.input_tokens", "input_tokens": n}


def model_list(models: list[dict]) -> dict:
    return {"object": "list", "data": models}


def list_page(data_json: list[str], first_id: str | None, last_id: str | None, has_more: bool) -> bytes:
    """A cursor page built from stored JSON texts, without parsing them."""
    head = b'{"object":"list","data":[' + ",".join(data_json).encode() + b"],"
    tail = {"first_id": first_id, "last_id": last_id, "has_more": has_more}
    return head + orjson.dumps(tail)[1:]
