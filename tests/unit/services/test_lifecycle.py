"""The lifecycle streams text a token a delta when watched and adds it whole when not: the same
response either way, cut at the same token by max_output_tokens; delta events carry padding that
evens out their size unless the request turns it off."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from responses_mock import ids
from responses_mock.backends.base import Message, ModelContext, Refusal, TextDelta, ToolCall
from responses_mock.services import catalog, lifecycle, tokens
from responses_mock.services.lifecycle import Lifecycle, obfuscation
from responses_mock.services.pacing import Pace
from responses_mock.wire import objects
from responses_mock.wire.stored import dumps

TEXT = "Rain 🌧️ over 東京 tonight: naïve cafés close early, and the river rises."


class Says:
    name = "says"

    def __init__(self, *chunks) -> None:
        self.chunks = chunks

    async def generate(self, ctx):
        for chunk in self.chunks:
            yield chunk


async def run(backend, *, limit: int = 1000, watched: bool, **request) -> tuple[dict, list[dict]]:
    model = catalog.resolve("gpt-4.1")
    params = {"model": "gpt-4.1", "input": "hi", **request}
    response = objects.response(id="resp_x", created_at=0, params=params, model=model, status="in_progress",
                                background=False)
    ctx = ModelContext(model=model.snapshot, reasoning=False, encoding=model.encoding, instructions=None,
                       messages=(Message("user", "hi"),), items=(), request=params)
    events: list[dict] = []

    async def sink(event: dict) -> None:
        events.append(event)

    final = await Lifecycle(response, ctx, backend, input_tokens=9, output_limit=limit,
                            sink=sink if watched else None, pace=Pace()).run()
    return final, events


@pytest.mark.parametrize("limit", [1000, 7])
async def test_watched_and_unwatched_runs_give_the_same_response(limit):
    quiet, _ = await run(Says(TextDelta(TEXT)), limit=limit, watched=False)
    loud, events = await run(Says(TextDelta(TEXT)), limit=limit, watched=True)
    for r in (quiet, loud):
        r["output"][0]["id"] = "msg_x"
    assert quiet == loud
    text = loud["output"][0]["content"][0]["text"]
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert "".join(deltas) == text and "\ufffd" not in text
    assert loud["usage"]["output_tokens"] == tokens.count(text)
    if limit < tokens.count(TEXT):
        assert loud["status"] == "incomplete" and tokens.count(text) <= limit and TEXT.startswith(text)
    else:
        assert text == TEXT and len(deltas) == len(tokens.split_tokens(TEXT)) > 10


async def test_a_given_cost_is_kept_whole_or_streamed():
    quiet, _ = await run(Says(TextDelta("Hello there.", 40)), watched=False)
    loud, _ = await run(Says(TextDelta("Hello there.", 40)), watched=True)
    assert quiet["usage"]["output_tokens"] == loud["usage"]["output_tokens"] == 40


def test_obfuscation_pads_a_delta_to_a_multiple_of_16_and_is_the_same_for_the_same_event():
    for delta in ("", "a", "Hello", "x" * 16, "東京 🌧️"):
        pad = obfuscation("resp_1", 3, delta)
        assert (len(delta) + len(pad)) % 16 == 0 and 1 <= len(pad) <= 16 and pad.isalnum()
        assert pad == obfuscation("resp_1", 3, delta)
    assert obfuscation("resp_1", 3, "a") != obfuscation("resp_1", 4, "a") != obfuscation("resp_2", 3, "a")


async def test_deltas_carry_obfuscation_unless_the_request_turns_it_off():
    _, padded = await run(Says(TextDelta("Hello there, friend.")), watched=True)
    deltas = [e for e in padded if e["type"] == "response.output_text.delta"]
    assert deltas and all(e["obfuscation"] == obfuscation("resp_x", e["sequence_number"], e["delta"]) for e in deltas)
    assert not any("obfuscation" in e for e in padded if not e["type"].endswith(".delta"))
    _, bare = await run(Says(TextDelta("Hello there, friend.")), watched=True,
                        stream_options={"include_obfuscation": False})
    assert not any("obfuscation" in e for e in bare)


class TextCollector:
    """A TextSink: each event as (sequence_number, type, JSON text); a drain asked for every third."""

    def __init__(self) -> None:
        self.events: list[tuple[int, str, str]] = []
        self.drains = 0

    async def __call__(self, event: dict) -> None:  # pragma: no cover - a TextSink is put to
        raise AssertionError("a TextSink gets text")

    def put(self, seq: int, type_: str, data: str) -> bool:
        self.events.append((seq, type_, data))
        return len(self.events) % 3 == 0

    async def drain(self) -> None:
        self.drains += 1


ODD = 'Quotes " and \\ back, \n new line, \t tab, \x01 control, \u2028 separator, é, 東京, 🌧️, </script>'


@pytest.mark.parametrize(("chunks", "request_"), [
    ((TextDelta(TEXT),), {}),
    ((TextDelta(ODD), TextDelta(" and more."), Refusal("No."), TextDelta("Yes.")), {}),
    ((TextDelta(ODD),), {"stream_options": {"include_obfuscation": False}}),
    ((TextDelta(TEXT),), {"include": ["message.output_text.logprobs"], "top_logprobs": 2}),
    ((TextDelta("Calling."), ToolCall("get_weather", '{"city": "Paris"}'), TextDelta("Done.", 3)), {}),
    ((TextDelta(TEXT),), {"max_output_tokens": 7}),
])
async def test_a_text_sink_gets_byte_for_byte_the_json_of_the_events_a_dict_sink_gets(monkeypatch, chunks, request_):
    monkeypatch.setattr(ids, "new_id", lambda prefix, now=None: f"{prefix}_fixed")  # both runs make the same items
    monkeypatch.setattr(lifecycle, "time", SimpleNamespace(time=lambda: 1764600000.0))
    model = catalog.resolve("gpt-4.1")
    params = {"model": "gpt-4.1", "input": "hi", **request_}

    async def one(sink) -> dict:
        response = objects.response(id="resp_x", created_at=0, params=params, model=model, status="in_progress",
                                    background=False)
        ctx = ModelContext(model=model.snapshot, reasoning=False, encoding=model.encoding, instructions=None,
                           messages=(Message("user", "hi"),), items=(), request=params)
        return await Lifecycle(response, ctx, Says(*chunks), input_tokens=9, output_limit=params.get("max_output_tokens", 1000),
                               sink=sink, pace=Pace()).run()

    wanted: list[tuple[int, str, str]] = []

    async def dict_sink(event: dict) -> None:  # serialised at once: events reference the live response
        wanted.append((event["sequence_number"], event["type"], dumps(event)))

    as_dicts = await one(dict_sink)
    text_sink = TextCollector()
    as_text = await one(text_sink)
    assert text_sink.events == wanted and len(wanted) > 10
    assert as_text == as_dicts
    assert text_sink.drains == len(wanted) // 3  # every drain the sink asked for, before the next event
