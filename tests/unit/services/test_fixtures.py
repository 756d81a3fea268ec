"""Recorded rules in the fixtures service: saved for the recording key, matched by the normalised
request, paced at `replay_speed`, exported oldest first without keys; strict mode's miss names
what missed."""

from __future__ import annotations

import threading

import pytest

from responses_mock.backends.base import ModelContext
from responses_mock.config import Settings
from responses_mock.errors import InvalidRequest
from responses_mock.services import fixtures, prepare, recording
from responses_mock.services.fixtures import FixturesService, scaled, strict_miss
from responses_mock.store.handle import Store
from responses_mock.wire.fixtures import Match, Pace, Recorded, Respond, Rule


def recorded(text: str, pace: Pace | None = None) -> Rule:
    params = {"model": "gpt-4.1", "input": text}
    return Rule(match=Match(request=Recorded.of(params)), respond=Respond(text=f"Answer to {text}", pace=pace))


def facts(params: dict) -> fixtures.CreateFacts:
    ctx = ModelContext(model="gpt-4.1-2025-04-14", reasoning=False, encoding="o200k_base", instructions=None,
                       messages=(), items=(), request=params)
    return fixtures.facts(params, ctx, None)


@pytest.fixture
async def service(tmp_path):
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await store.migrate()
    yield lambda speed=1.0: FixturesService(store, speed)
    await store.dispose()


async def test_a_recording_answers_its_request_for_its_key_alone(service):
    fx = service()
    await fx.record(recorded("Hi.", Pace(time_to_first_token=0.4, tokens_per_second=50)), "tenant-a")
    await fx.record(recorded("Bye."), "tenant-a")
    rules = await fx.candidates("tenant-a")
    found = await fx.for_create(rules, facts({"model": "gpt-4.1", "input": [{"role": "user", "content": "Hi."}],
                                             "previous_response_id": "resp_whatever"}))
    assert found is not None and found.rule.respond.text == "Answer to Hi."
    assert await fx.for_create(rules, facts({"model": "gpt-4.1", "input": "Hi!"})) is None
    assert not await fx.candidates("tenant-b")
    [listed, _] = await fx.listing("tenant-a")
    assert listed["source"] == "recorded" and "incomplete_reason" not in listed["rule"]["respond"]  # no defaults

    document = await fx.export("tenant-a")
    assert [r["respond"]["text"] for r in document["rules"]] == ["Answer to Hi.", "Answer to Bye."]  # oldest first
    assert all("api_key" not in r for r in document["rules"])
    assert b"Answer to Bye." in fx.export_text(document, "yaml")


async def test_a_recorded_error_is_spent_where_it_was_recorded_and_answers_once_on_replay(service):
    params = {"model": "gpt-4.1", "input": "Hi."}
    recorder = service()
    await recorder.record(recording.error_rule(params, 429, b'{"error": {"message": "Slow."}}', {}), "t")
    await recorder.record(recorded("Hi."), "t")  # what the retry got
    rules = await recorder.candidates("t")
    assert (await recorder.for_create(rules, facts(params))).rule.respond.text == "Answer to Hi."
    exported = await recorder.export("t")  # the file: its counters start afresh
    assert [r["match"].get("times") for r in exported["rules"]] == [None, 1]  # the error first when matching
    replay = service()
    await replay.add([{k: v for k, v in r.items() if k != "id"} for r in exported["rules"]], owner="r", admin=False)
    rules = await replay.candidates("r")
    first, retry = [await replay.for_create(rules, facts(params)) for _ in range(2)]
    assert first.rule.respond.http_error.status == 429 and retry.rule.respond.text == "Answer to Hi."


async def test_replay_speed_scales_recorded_paces_only(service):
    await service().record(recorded("Hi.", Pace(time_to_first_token=0.4, tokens_per_second=50)), "t")
    await service().add({"respond": {"text": "hand-written", "pace": {"tokens_per_second": 50}}}, owner="t",
                        admin=False)
    faster = await service(4.0).candidates("t")
    paces = {r.rule.respond.text: r.rule.respond.pace for r in faster}
    assert paces["Answer to Hi."] == Pace(time_to_first_token=0.1, tokens_per_second=200)
    assert paces["hand-written"] == Pace(tokens_per_second=50)
    assert scaled(Pace(time_to_first_token=3, tokens_per_second=50), 0) == Pace(time_to_first_token=0,
                                                                                 tokens_per_second=0)
    assert scaled(Pace(tokens_per_second=900_000), 2).tokens_per_second == 0  # past the fastest rate: unpaced


def test_a_strict_miss_names_the_model_and_the_input():
    said = "Explain entanglement in three sentences, with an example or two please."
    err = strict_miss({"model": "gpt-5-mini", "input": [{"role": "user", "content": said}]})
    assert (err.status, err.code, err.type, err.param) == (400, "fixture_not_found", "invalid_request_error", "input")
    assert "'gpt-5-mini'" in err.message and f"input '{said[:57]}...'" in err.message  # long input: cut short
    assert Recorded.of({"model": "gpt-5-mini", "input": "x"}).digest[:12] in strict_miss(
        {"model": "gpt-5-mini", "input": "x"}).message
    tool_turn = strict_miss({"model": "m", "input": [{"type": "function_call_output", "call_id": "c", "output": "18"}]})
    assert "input '18'" in tool_turn.message


async def test_recorded_rules_are_found_by_digest_and_keep_the_one_order(service, monkeypatch):
    fx = service()
    for n in range(100):
        await fx.record(recorded(f"Question {n}."), "t")
    await fx.add([{"match": {"metadata": {"case": "seven"}}, "respond": {"text": "hand-written, newer"}}],
                 owner="t", admin=False)  # added last: ahead of every recording (the most recent first)
    rules = await fx.candidates("t")
    assert len(rules.by_digest) == 100 and len(rules.scanned) == 1
    checked = []
    accepts = fixtures._accepts
    monkeypatch.setattr(fixtures, "_accepts", lambda rule, f: checked.append(rule) or accepts(rule, f))
    found = await fx.for_create(rules, facts({"model": "gpt-4.1", "input": "Question 73."}))
    assert found.rule.respond.text == "Answer to Question 73."
    assert len(checked) == 2  # its digest's one recording and the one scanned rule, not 100
    checked.clear()
    seven = {"model": "gpt-4.1", "input": "Question 7.", "metadata": {"case": "seven"}}
    found = await fx.for_create(rules, facts(seven))
    assert found.rule.respond.text == "hand-written, newer" and len(checked) == 2
    # A recording given a higher priority goes ahead of the hand-written rule.
    await fx.add([{**recorded("Question 7.").model_dump(exclude_none=True), "priority": 5,
                   "respond": {"text": "recorded, first"}}], owner="t", admin=False)
    again = await fx.candidates("t")
    assert (await fx.for_create(again, facts(seven))).rule.respond.text == "recorded, first"
    assert await fx.has_recording("t", {"model": "gpt-4.1", "input": "Question 9."})
    assert not await fx.has_recording("t", {"model": "gpt-4.1", "input": "Question 9.", "text": {
        "format": {"type": "json_object"}}})


async def test_a_heavy_requests_digest_is_computed_off_the_loop(service, monkeypatch):
    """Normalising and hashing a create of megabytes holds the loop (0.5 s for 40 MB): when the key
    has recorded rules and the input is heavy, the digest is made in a thread; a light one stays."""
    fx = service()
    big = "All work and no play makes Jack a dull boy. " * 5000  # 220K characters: heavy
    await fx.record(recorded(big), "t")
    await fx.record(recorded("Hi."), "t")
    made_in: list[int] = []

    class Spy(Recorded):
        @classmethod
        def of(cls, params: dict) -> Recorded:
            made_in.append(threading.get_ident())
            return Recorded.of(params)

    monkeypatch.setattr(fixtures, "Recorded", Spy)
    loop_thread = threading.get_ident()
    p = await prepare.prepare("t", {"model": "gpt-4.1", "input": big}, {}, store=fx.store, settings=Settings(),
                              fixtures=fx)
    assert p.script["text"] == f"Answer to {big}" and made_in and loop_thread not in made_in
    made_in.clear()
    p = await prepare.prepare("t", {"model": "gpt-4.1", "input": "Hi."}, {}, store=fx.store, settings=Settings(),
                              fixtures=fx)
    assert p.script["text"] == "Answer to Hi." and made_in == [loop_thread]  # no thread for a line
    made_in.clear()
    with pytest.raises(InvalidRequest, match="No fixture rule matches"):  # strict: its miss, off the loop too
        await prepare.prepare("t", {"model": "gpt-4.1", "input": big + "!"}, {}, store=fx.store,
                              settings=Settings(strict=True), fixtures=fx)
    assert made_in and loop_thread not in made_in


async def test_a_keys_rules_of_megabytes_are_parsed_and_indexed_off_the_loop(service, monkeypatch):
    fx = service()
    indexed_in: list[int] = []
    index = fixtures.Rules.of
    monkeypatch.setattr(fixtures.Rules, "of", lambda loaded: indexed_in.append(threading.get_ident()) or index(loaded))
    await fx.record(recorded("Hi."), "t")
    assert len(await fx.candidates("t")) == 1 and indexed_in == [threading.get_ident()]  # a line: no thread
    await fx.record(recorded("x" * (fixtures.LARGE_RULES + 1)), "t")
    rules = await fx.candidates("t")
    assert len(rules.by_digest) == 2 and threading.get_ident() != indexed_in[-1]
