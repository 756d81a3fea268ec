"""Shapes the store keeps as JSON text: a response's stored request (what `prepare` decided, so a
worker runs it without deciding again), an event log row, and the one way to write JSON text."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

LiveEvent = tuple[int, str, str]  # an event as logged and streamed: (sequence_number, type, json)


def dumps(obj: object) -> str:
    """JSON text, as the store's text columns and the stream's frames hold it."""
    return orjson.dumps(obj).decode()


@dataclass(frozen=True)
class StoredRequest:
    """The `request` column of a response: its create parameters and what was decided before its
    first token. A row written before the context-window fit was stored has `input_tokens` None:
    its reader counts again (services/prepare.py rehydrate)."""

    params: dict
    pace: dict[str, float] = field(default_factory=dict)  # services/pacing.py Pace's fields
    script: dict | None = None  # the fixture rule's scripted output, if one answered
    cached_tokens: int = 0  # of the input, served from the prompt cache
    input_tokens: int | None = None  # after the context-window fit; None: a row of an older release
    dropped: int = 0  # leading stored input items the fit (`truncation: "auto"`) left out of the model's view
    instructions: str | None = None  # what the model was instructed, when not `params` own (a prompt template's)

    @property
    def streamed(self) -> bool:
        return bool(self.params.get("stream"))

    @property
    def fitted(self) -> bool:
        """Whether the context-window fit was stored (rows of older releases: counted again)."""
        return self.input_tokens is not None

    def to_json(self) -> str:
        data: dict = {"params": self.params, "pace": self.pace, "script": self.script,
                      "cached_tokens": self.cached_tokens, "input_tokens": self.input_tokens}
        if self.dropped:
            data["dropped"] = self.dropped
        if self.instructions is not None:
            data["instructions"] = self.instructions
        return dumps(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> StoredRequest:
        """Any release's rows: the first stored the bare parameters; later ones lack the fit."""
        data = orjson.loads(text)
        if "params" not in data:  # create parameters never hold a `params` key
            return cls(params=data)
        return cls(params=data["params"], pace=data.get("pace") or {}, script=data.get("script"),
                   cached_tokens=data.get("cached_tokens") or 0, input_tokens=data.get("input_tokens"),
                   dropped=data.get("dropped") or 0, instructions=data.get("instructions"))
