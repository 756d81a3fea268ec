"""Stream events: one numbered constructor for every event the lifecycle emits.

Field order follows the real stream: type first, sequence_number last.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class EventNumberer:
    """Gives each event of one response its sequence_number, from 0."""

    __slots__ = ("next",)

    def __init__(self, start: int = 0) -> None:
        self.next = start

    def make(self, type: str, **fields: Any) -> dict:
        event = {"type": type, **fields, "sequence_number": self.next}
        self.next += 1
        return event


# How a stream of a cancelled run ends. The real API has no `response.cancelled` stream event (only
# a webhook of that name) and what its stream sends after a cancel is not documented; an `error`
# event is what every client surfaces, so a follower sees the end instead of a silent close.
CANCELLED = {"code": "response_cancelled", "message": "The response was cancelled.", "param": None}


def fold_output(events: Iterable[dict]) -> list[dict]:
    """Rebuild the output items a run had produced from its logged events: what a lost run
    (crashed process, unanswered cancel) leaves behind is exactly what its watchers saw."""
    output: list[dict] = []
    for e in events:
        kind = e["type"]
        if kind in ("response.output_item.added", "response.output_item.done"):
            if e["output_index"] < len(output):
                output[e["output_index"]] = e["item"]
            else:
                output.append(e["item"])
        elif kind == "response.content_part.added":
            output[e["output_index"]]["content"].append(e["part"])
        elif kind == "response.output_text.delta":
            output[e["output_index"]]["content"][e["content_index"]]["text"] += e["delta"]
        elif kind == "response.reasoning_summary_part.added":
            output[e["output_index"]]["summary"].append(e["part"])
        elif kind == "response.reasoning_summary_text.delta":
            output[e["output_index"]]["summary"][e["summary_index"]]["text"] += e["delta"]
    return output
