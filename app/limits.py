"""Bounds on a model's pace, wherever a pace comes from (settings, a header, a fixture rule, the
catalog): a delay of hours or a trickle of tokens would hold a worker slot for ever. Base level:
config, wire and services all check against it, so it imports nothing of the package."""

from __future__ import annotations

PACE_FIELDS = ("queue_delay", "time_to_first_token", "tokens_per_second")
MAX_DELAY = 600.0  # seconds (queue delay, time to first token)
MIN_RATE, MAX_RATE = 1.0, 1_000_000.0  # tokens/s, when paced (0 means unpaced)


def pace_problem(field: str, value: float) -> str | None:
    """Why `value` is out of bounds for a pace field, or None."""
    if not value >= 0 or value == float("inf"):
        return "expected a number >= 0"
    if field == "tokens_per_second":
        if value and not MIN_RATE <= value <= MAX_RATE:
            return f"expected 0 (unpaced) or a rate from {MIN_RATE:g} to {MAX_RATE:g} tokens per second"
    elif value > MAX_DELAY:
        return f"expected at most {MAX_DELAY:g} seconds"
    return None
