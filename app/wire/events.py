"""Stream events: one numbered constructor for every event the lifecycle emits.

Field order follows the real stream: type first, sequence_number last.
"""

from __future__ import annotations

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
