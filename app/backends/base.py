"""The backend interface: a fake model turns a request's context into a stream of chunks.

The lifecycle (services/lifecycle.py) owns everything API-shaped — items, ids, events, usage,
max_output_tokens, pacing — so a backend only says *what* the model produces, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AsyncIterator, Protocol, Union


@dataclass(frozen=True)
class Message:
    """One message of the conversation as the model sees it."""

    role: str  # system | developer | user | assistant | tool
    text: str


@dataclass(frozen=True)
class ModelContext:
    """What a backend may read: the resolved model, instructions and the whole input, in order."""

    model: str  # the dated snapshot
    reasoning: bool
    encoding: str
    instructions: str | None
    messages: tuple[Message, ...]
    items: tuple[dict, ...]  # the wire input items (function calls, outputs, …) for richer backends
    request: dict = field(default_factory=dict)  # the validated create parameters

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""


@dataclass(frozen=True)
class Thinking:
    """Hidden reasoning: counted as reasoning tokens, never shown."""

    tokens: int


@dataclass(frozen=True)
class SummaryDelta:
    """A piece of the reasoning summary (shown only when the request asks for a summary)."""

    text: str


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer; `tokens` is how many output tokens it costs (None: count it)."""

    text: str
    tokens: int | None = None


Chunk = Union[Thinking, SummaryDelta, TextDelta]


class Backend(Protocol):
    name: str

    def generate(self, ctx: ModelContext) -> AsyncIterator[Chunk]:
        """Yield the model's output in order. Deterministic for the same context."""
        ...
