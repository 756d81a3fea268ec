"""`scripted`: plays back a fixture rule's `respond` block (wire/fixtures.py) through the one
lifecycle, so scripted answers stream, pace, cancel and count tokens like any other."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson

from responses_mock.backends.base import (
    Chunk,
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
from responses_mock.wire.fixtures import ModelError, Respond


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
        if r.reasoning is not None:
            if r.reasoning.summary:
                yield SummaryDelta(r.reasoning.summary)
            if r.reasoning.tokens:
                yield Thinking(r.reasoning.tokens)
        for call in r.function_calls or ():
            args = call.arguments if isinstance(call.arguments, str) else orjson.dumps(call.arguments).decode()
            yield ToolCall(call.name, args, call.call_id, call.kind)
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
