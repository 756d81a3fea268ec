"""The backend interface: a fake model turns a request's context into a stream of chunks.

The lifecycle (services/lifecycle.py) owns everything API-shaped — items, ids, events, usage,
max_output_tokens, pacing — so a backend only says *what* the model produces, in order. Text may
come in pieces of any size: the lifecycle streams it a token a delta, as the real API does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """One message of the conversation as the model sees it."""

    role: str  # system | developer | user | assistant | tool
    text: str


@dataclass(frozen=True)
class Passage:
    """Text the model was given to read: a file of the input, or one search result (a chunk)."""

    text: str
    file_id: str | None = None
    filename: str | None = None
    score: float | None = None  # a search result's rank score
    attributes: dict | None = None  # a search result's file attributes


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
    default_effort: str | None = None  # the model's reasoning effort when the request names none
    documents: tuple[Passage, ...] = ()  # the files of the input (inline or by file_id), in order, as text
    # The file_search tool's results for this turn's question over its vector stores (services run
    # the search before the model does: backends never reach the store).
    file_search_results: tuple[Passage, ...] = ()

    @cached_property
    def tools(self) -> tuple[dict, ...]:
        """The tools on offer: the request's `tools`, then those the input makes available with
        `additional_tools` items (Codex's default model gets all of its tools so)."""
        return offered_tools(self.request.get("tools"), self.items)

    @property
    def effort(self) -> str | None:
        return (self.request.get("reasoning") or {}).get("effort") or self.default_effort

    @property
    def turn_items(self) -> tuple[dict, ...]:
        """The items after the last user message: tool outputs, approvals, … of this turn."""
        for i in range(len(self.items) - 1, -1, -1):
            item = self.items[i]
            if item.get("type", "message") == "message" and item.get("role") == "user":
                return self.items[i + 1:]
        return self.items

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""


def offered_tools(tools: object, items: object) -> tuple[dict, ...]:
    """`tools` and the tools of every additional_tools item among `items`, in order."""
    out = [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []
    for item in items if isinstance(items, (list, tuple)) else ():
        if isinstance(item, dict) and item.get("type") == "additional_tools" and isinstance(item.get("tools"), list):
            out += [t for t in item["tools"] if isinstance(t, dict)]
    return tuple(out)


@dataclass(frozen=True)
class Thinking:
    """Hidden reasoning: counted as reasoning tokens, never shown."""

    tokens: int


@dataclass(frozen=True)
class SummaryDelta:
    """Reasoning summary text, any length (shown only when the request asks for a summary)."""

    text: str


@dataclass(frozen=True)
class TextDelta:
    """Answer text, any length; `tokens` is how many output tokens it costs (None: count it)."""

    text: str
    tokens: int | None = None
    annotations: tuple[dict, ...] = ()  # wire annotations of this text (file_citation …), indexes into the whole text


@dataclass(frozen=True)
class ToolCall:
    """A function (or custom tool) call: one output item, its arguments streamed as deltas."""

    name: str
    arguments: str  # JSON text for functions; free text for custom tools
    call_id: str | None = None  # None: the lifecycle makes one (call_…)
    kind: str = "function"  # function | custom
    namespace: str | None = None  # the namespace tool it belongs to, named on the call item


@dataclass(frozen=True)
class Refusal:
    """Refusal text, any length: the message's content is a `refusal` part instead of text."""

    text: str


@dataclass(frozen=True)
class HostedCall:
    """A hosted tool's output item (web_search_call, file_search_call, …), fields without `id`.

    `progress` names the stream events between `output_item.added` and `.done`, as the suffixes
    of `response.<item kind>.<suffix>` (e.g. "in_progress", "searching", "completed").
    """

    item: dict
    progress: tuple[str, ...] = ()


@dataclass(frozen=True)
class UsageOverride:
    """Report these token counts instead of the counted ones (None: keep the count)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None


Chunk = Thinking | SummaryDelta | TextDelta | ToolCall | Refusal | HostedCall | UsageOverride


class ModelFailure(Exception):
    """Raise from a backend to end the response `failed` with this error."""

    def __init__(self, message: str, code: str = "server_error") -> None:
        super().__init__(message)
        self.code, self.message = code, message


class Incomplete(Exception):
    """Raise from a backend to end the response `incomplete` for this reason."""

    def __init__(self, reason: str = "max_output_tokens") -> None:
        super().__init__(reason)
        self.reason = reason


class Backend(Protocol):
    name: str

    def generate(self, ctx: ModelContext) -> AsyncIterator[Chunk]:
        """Yield the model's output in order. Deterministic for the same context."""
        ...
