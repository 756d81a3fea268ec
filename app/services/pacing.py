"""How fast a fake model answers: queue delay, time to first token, tokens per second.

Foreground runs are unpaced by default (test suites stay fast). Background runs take the model's
own timing from the catalog (`timing`: public measurements of the real model), so they can be
watched and cancelled as the real ones can; settings override either, a catalog `pace` overrides
both modes for one model, and a request may override with headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from responses_mock.config import Settings
from responses_mock.errors import InvalidRequest
from responses_mock.limits import pace_problem

HEADERS = {
    "x-mock-queue-delay": "queue_delay",
    "x-mock-time-to-first-token": "time_to_first_token",
    "x-mock-tokens-per-second": "tokens_per_second",
}
FIELDS = tuple(HEADERS.values())
@dataclass(frozen=True)
class Pace:
    queue_delay: float = 0.0
    time_to_first_token: float = 0.0
    tokens_per_second: float = 0.0  # 0: unpaced

    def delay_before(self, tokens_done: int) -> float:
        """Seconds from the start of generation until token number `tokens_done` may be sent."""
        rate = tokens_done / self.tokens_per_second if self.tokens_per_second > 0 else 0.0
        return self.time_to_first_token + rate

    @property
    def paced(self) -> bool:
        return self.time_to_first_token > 0 or self.tokens_per_second > 0

    def as_dict(self) -> dict:
        return {"queue_delay": self.queue_delay, "time_to_first_token": self.time_to_first_token,
                "tokens_per_second": self.tokens_per_second}


# A background run of a model without catalog timing.
FALLBACK_TIMING = {"time_to_first_token": 0.2, "tokens_per_second": 500.0}


def resolve(settings: Settings, model_pace: Mapping | None, headers: Mapping[str, str],
            background: bool, model_timing: Mapping | None = None) -> Pace:
    if background:
        timing = {**FALLBACK_TIMING, **(model_timing or {})}
        pick = lambda setting, field: float(timing[field] if setting is None else setting)
        pace = Pace(settings.background_queue_delay,
                    pick(settings.background_time_to_first_token, "time_to_first_token"),
                    pick(settings.background_tokens_per_second, "tokens_per_second"))
    else:
        pace = Pace(0.0, settings.time_to_first_token, settings.tokens_per_second)
    if model_pace:
        pace = replace(pace, **{k: float(v) for k, v in model_pace.items() if k in Pace.__dataclass_fields__})
    for header, field in HEADERS.items():
        raw = headers.get(header)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        why = pace_problem(field, value)  # limits.py: the bounds every source of a pace shares
        if why:
            raise InvalidRequest(f"Invalid header '{header}': {why}, but got '{raw}'.",
                                 param=header, code="invalid_value")
        pace = replace(pace, **{field: value})
    return pace
