"""Which pace a run gets: foreground unpaced, background at the model's own catalog timing,
settings over the catalog, a catalog `pace` over both, request headers over everything."""

from __future__ import annotations

import pytest

from responses_mock.config import Settings
from responses_mock.errors import InvalidRequest
from responses_mock.services import catalog, pacing

MINI = catalog.find("gpt-5-mini")


def test_background_runs_take_the_models_timing_and_foreground_runs_are_unpaced():
    settings = Settings(database_url="sqlite+aiosqlite://")
    bg = pacing.resolve(settings, MINI.pace, {}, True, MINI.timing)
    assert (bg.time_to_first_token, bg.tokens_per_second) == (0.6, 120.0)
    assert bg.queue_delay == settings.background_queue_delay
    assert not pacing.resolve(settings, MINI.pace, {}, False, MINI.timing).paced
    # Every shipped model states its speed; one without (a user's entry) falls back.
    assert all(catalog.find(m).timing for m in catalog.listed())
    plain = pacing.resolve(settings, None, {}, True, None)
    assert plain.tokens_per_second == pacing.FALLBACK_TIMING["tokens_per_second"]


def test_settings_catalog_pace_and_headers_override_in_that_order():
    settings = Settings(database_url="sqlite+aiosqlite://", background_tokens_per_second=1000,
                        background_time_to_first_token=0)
    bg = pacing.resolve(settings, None, {}, True, MINI.timing)
    assert (bg.time_to_first_token, bg.tokens_per_second) == (0.0, 1000.0)
    pinned = pacing.resolve(settings, {"tokens_per_second": 7}, {}, True, MINI.timing)
    assert pinned.tokens_per_second == 7.0
    header = pacing.resolve(settings, {"tokens_per_second": 7}, {"x-mock-tokens-per-second": "9"}, True, MINI.timing)
    assert header.tokens_per_second == 9.0
    with pytest.raises(InvalidRequest, match="x-mock-tokens-per-second"):
        pacing.resolve(settings, None, {"x-mock-tokens-per-second": "0.5"}, True, None)


def test_a_catalog_timing_out_of_bounds_is_refused_at_start():
    with pytest.raises(ValueError, match=r"timing\.tokens_per_second"):
        catalog._entry({"id": "slowpoke", "timing": {"tokens_per_second": 0.01}})
    with pytest.raises(ValueError, match=r"timing\.queue_delay is not one of"):
        catalog._entry({"id": "slowpoke", "timing": {"queue_delay": 1}})
