"""The stored request round-trips what prepare decided, and rows of older releases still read:
the bare parameters of the first release, and rows without the context-window fit."""

from __future__ import annotations

import orjson

from responses_mock.wire.stored import StoredRequest

PARAMS = {"model": "gpt-4.1", "input": "hi", "stream": True}


def test_a_stored_request_round_trips():
    stored = StoredRequest(params=PARAMS, pace={"queue_delay": 0.5, "time_to_first_token": 0.1,
                                                "tokens_per_second": 50.0},
                           script={"text": "scripted"}, cached_tokens=1024, input_tokens=1300, dropped=2,
                           instructions="From a template.")
    again = StoredRequest.from_json(stored.to_json())
    assert again == stored and again.fitted and again.streamed


def test_a_row_without_the_fit_reads_and_says_so():
    old = orjson.dumps({"params": PARAMS, "pace": {"queue_delay": 0.0, "time_to_first_token": 0.0,
                                                   "tokens_per_second": 0.0}, "script": None, "cached_tokens": 3})
    stored = StoredRequest.from_json(old)
    assert stored.params == PARAMS and stored.cached_tokens == 3 and stored.pace["queue_delay"] == 0.0
    assert not stored.fitted and stored.input_tokens is None and stored.dropped == 0 and stored.instructions is None


def test_the_first_releases_bare_parameters_read():
    stored = StoredRequest.from_json(orjson.dumps({"model": "gpt-4.1", "input": "hi"}))
    assert stored.params == {"model": "gpt-4.1", "input": "hi"} and stored.pace == {} and not stored.streamed
    assert not stored.fitted and stored.script is None and stored.cached_tokens == 0


def test_defaults_stay_out_of_the_row():
    data = orjson.loads(StoredRequest(params=PARAMS, input_tokens=9).to_json())
    assert "dropped" not in data and "instructions" not in data and data["input_tokens"] == 9
