"""A plugin backend for the tests: loaded by dotted path from a user's catalog file."""

from __future__ import annotations

from responses_mock.backends.base import TextDelta


class Shouty:
    name = "shouty"

    async def generate(self, ctx):
        yield TextDelta(ctx.last_user_text.upper() + "!")
