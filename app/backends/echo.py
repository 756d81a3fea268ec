"""`echo`: repeats the last user message; handy when a test wants to see what the model got."""

from __future__ import annotations

from collections.abc import AsyncIterator

from responses_mock.backends.base import Chunk, ModelContext, TextDelta


class EchoBackend:
    name = "echo"

    async def generate(self, ctx: ModelContext) -> AsyncIterator[Chunk]:
        yield TextDelta(ctx.last_user_text)
