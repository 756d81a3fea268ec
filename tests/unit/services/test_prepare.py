"""A background run is rehydrated from its stored request as its create prepared it: the model's
view of the context and its token counts come from the row, not from counting again (a row of an
older release, without them, is fitted again). A fixture rule's faults are a plan, as data."""

from __future__ import annotations

import pytest

from responses_mock.services import context, faults, prepare
from responses_mock.services.prepare import Mode
from responses_mock.wire import objects
from responses_mock.wire.fixtures import Respond
from responses_mock.wire.stored import StoredRequest

PARAMS = {"model": "gpt-4.1", "input": "third", "background": True, "truncation": "auto"}
ITEMS = [objects.string_input(text) for text in ("first", "second", "third")]
PACE = {"queue_delay": 0.0, "time_to_first_token": 0.0, "tokens_per_second": 0.0}


def body() -> dict:
    return objects.response(id="resp_x", created_at=0, params=PARAMS, model=prepare.catalog.resolve("gpt-4.1"),
                            status="queued", background=True)


def test_a_fitted_row_is_run_without_counting_again(monkeypatch):
    def counted(*args, **kw):
        raise AssertionError("counted again")

    monkeypatch.setattr(context, "count_input_tokens", counted)
    monkeypatch.setattr(prepare, "fit_context_window", counted)
    stored = StoredRequest(params=PARAMS, pace=PACE, script={"text": "scripted"}, cached_tokens=0,
                           input_tokens=77, dropped=1, instructions="From a template.")
    p = prepare.rehydrate("t", stored, body(), ITEMS)
    assert p.mode is Mode.BACKGROUND and p.input_tokens == 77 and p.script == {"text": "scripted"}
    assert p.view.items == tuple(ITEMS[1:]) and [m.text for m in p.view.messages] == ["second", "third"]
    assert p.view.instructions == "From a template." and p.context.items == ITEMS  # stored whole
    assert p.stored() == stored  # what it would store again is what it was given


def test_a_row_of_an_older_release_is_fitted_again():
    old = StoredRequest.from_json(StoredRequest(params=PARAMS, pace=PACE).to_json())
    assert not old.fitted
    p = prepare.rehydrate("t", old, body(), ITEMS)
    model = prepare.catalog.resolve("gpt-4.1")
    whole = context.Context(prior=[], new=ITEMS, instructions=None)
    assert p.input_tokens == context.count_input_tokens(whole, model.encoding, model.snapshot)
    assert p.view.items == tuple(ITEMS) and p.view.instructions is None


async def test_a_rehydrated_run_plays_its_script():
    stored = StoredRequest(params=PARAMS, pace=PACE, script={"text": "from the row"}, input_tokens=5)
    final = await prepare.lifecycle_for(prepare.rehydrate("t", stored, body(), ITEMS)).run()
    assert final["status"] == "completed" and final["output"][0]["content"][0]["text"] == "from the row"
    assert final["usage"]["input_tokens"] == 5


@pytest.mark.parametrize(("respond", "streamed", "expected"), [
    ({"text": "no fault"}, True, faults.NONE),
    ({"fault": "stream_cut", "cut_after": 2}, True, faults.FaultPlan(cut_after=2, model="gpt-5")),
    ({"fault": "stream_cut"}, False, faults.FaultPlan(disconnect=True, model="gpt-5")),  # nothing to cut: drops
    ({"fault": "disconnect", "delay": 0.5}, True, faults.FaultPlan(delay=0.5, disconnect=True, model="gpt-5")),
])
def test_a_rules_faults_are_a_plan(respond, streamed, expected):
    assert faults.plan(Respond.model_validate(respond), "gpt-5", streamed=streamed) == expected


async def test_a_plan_is_enacted_in_the_order_a_client_sees_it():
    rule = Respond.model_validate({"http_error": {"status": 429}, "fault": "disconnect"})
    with pytest.raises(faults.APIError) as err:  # the error wins over the drop
        await faults.enact(faults.plan(rule, "gpt-5"))
    assert err.value.status == 429 and "gpt-5" in err.value.message

    async def events():
        for n in range(5):
            yield n

    seen = []
    with pytest.raises(faults.StreamCut):
        async for n in faults.cut(events(), faults.FaultPlan(cut_after=3)):
            seen.append(n)
    assert seen == [0, 1, 2]
    assert [n async for n in faults.cut(events(), faults.NONE)] == [0, 1, 2, 3, 4]
