"""The backend of a WebSocket warm-up (`response.create` with `generate: false`): it prepares the
request's state (stored context, prompt cache) and says nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

from responses_mock.backends.base import Chunk, ModelContext


class SilentBackend:
    name = "silent"

    async def generate(self, ctx: ModelContext) -> AsyncIterator[Chunk]:
        return
        yield  # an async generator with no chunks
