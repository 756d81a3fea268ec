"""`scripted`: plays back a fixture rule's `respond` block (wire/fixtures.py) through the one
lifecycle, so scripted answers stream, pace, cancel and count tokens like any other.

`respond.output` (a recording's) is played item by item in its order; the other fields in a fixed
one: reasoning, tool calls, refusal, text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson

from responses_mock.backends.base import (
    Chunk,
    HostedCall,
    Incomplete,
    ModelContext,
    ModelFailure,
    Refusal,
    SummaryDelta,
    TextDelta,
    Thinking,
    ToolCall,
    UsageOverride,
)
from responses_mock.wire.fixtures import (
    CustomToolCallItem,
    FunctionCallItem,
    HostedItem,
    MessageItem,
    ModelError,
    OutputItem,
    ReasoningItem,
    Respond,
)

# The stream events between a hosted item's `added` and `done`, as the real API sends them.
_PROGRESS = {
    "web_search_call": ("in_progress", "searching", "completed"),
    "file_search_call": ("in_progress", "searching", "completed"),
    "code_interpreter_call": ("in_progress", "interpreting", "completed"),
    "image_generation_call": ("in_progress", "generating", "completed"),
    "mcp_list_tools": ("in_progress", "completed"),
    "mcp_call": ("in_progress", "completed"),
}


def _json(arguments: dict | str) -> str:
    return arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()


def _item_chunks(item: OutputItem) -> list[Chunk]:
    """One recorded output item as the chunks that make the lifecycle emit it."""
    if isinstance(item, MessageItem):
        out: list[Chunk] = [Refusal(item.refusal)] if item.refusal else []
        if item.text:
            out.append(TextDelta(item.text, annotations=tuple(item.annotations)))
        return out
    if isinstance(item, ReasoningItem):  # Thinking opens the item even when it costs nothing
        return ([SummaryDelta(item.summary)] if item.summary else []) + [Thinking(item.tokens)]
    if isinstance(item, FunctionCallItem):
        return [ToolCall(item.name, _json(item.arguments), item.call_id, "function", item.namespace)]
    if isinstance(item, CustomToolCallItem):
        return [ToolCall(item.name, item.input, item.call_id, "custom", item.namespace)]
    assert isinstance(item, HostedItem)
    steps = _PROGRESS.get(item.type, ())
    return [HostedCall({"type": item.type, **item.item}, tuple((f"response.{item.type}.{s}", {}) for s in steps))]


class ScriptedBackend:
    name = "scripted"

    def __init__(self, respond: Respond | dict | None = None) -> None:
        # Without a rule (a catalog model whose backend is `scripted`), only fixtures may answer.
        self.respond = respond if isinstance(respond, Respond) or respond is None else Respond.model_validate(respond)

    async def generate(self, ctx: ModelContext) -> AsyncIterator[Chunk]:
        r = self.respond
        if r is None:
            raise ModelFailure(f"No fixture rule matched this request, and model '{ctx.model}' only answers "
                               "from fixtures (backend 'scripted').")
            yield  # pragma: no cover - makes this an async generator
        for item in r.output or ():
            for chunk in _item_chunks(item):
                yield chunk
        if r.reasoning is not None:
            if r.reasoning.summary:
                yield SummaryDelta(r.reasoning.summary)
            if r.reasoning.tokens:
                yield Thinking(r.reasoning.tokens)
        for call in r.function_calls or ():
            yield ToolCall(call.name, _json(call.arguments), call.call_id, call.kind)
        if r.refusal is not None:
            yield Refusal(r.refusal)
        text = r.text if r.json_ is None else orjson.dumps(r.json_).decode()
        if text:
            yield TextDelta(text)
        if r.usage is not None:
            yield UsageOverride(**r.usage.model_dump())
        if r.status == "failed":
            error = r.error or ModelError()
            raise ModelFailure(error.message, error.code)
        if r.status == "incomplete":
            raise Incomplete(r.incomplete_reason)
