"""The scripted backend plays a rule's `respond.output` item by item in its order, through the
lifecycle: a message before a reasoning item or a call stays before it, each item its own, every
event naming the index of the item it belongs to."""

from __future__ import annotations

from responses_mock.backends.base import Message, ModelContext
from responses_mock.backends.scripted import ScriptedBackend
from responses_mock.services import catalog
from responses_mock.services.lifecycle import Lifecycle
from responses_mock.services.pacing import Pace
from responses_mock.wire import objects
from responses_mock.wire.fixtures import Respond


async def run(respond: dict, **request) -> tuple[dict, list[dict]]:
    model = catalog.resolve("gpt-5-mini")
    params = {"model": "gpt-5-mini", "input": "hi", "reasoning": {"summary": "auto"}, **request}
    response = objects.response(id="resp_x", created_at=0, params=params, model=model, status="in_progress",
                                background=False)
    ctx = ModelContext(model=model.snapshot, reasoning=True, encoding=model.encoding, instructions=None,
                       messages=(Message("user", "hi"),), items=(), request=params)
    events: list[dict] = []

    async def sink(event: dict) -> None:
        events.append(event)

    final = await Lifecycle(response, ctx, ScriptedBackend(Respond.model_validate(respond)), input_tokens=9,
                            output_limit=1000, sink=sink, pace=Pace()).run()
    return final, events


async def test_output_items_play_in_their_order_each_its_own_item():
    final, events = await run({"output": [
        {"type": "message", "text": "Before thinking."},
        {"type": "reasoning", "summary": "Now think.", "tokens": 5},
        {"type": "message", "refusal": "Not that.", "text": "But this.",
         "annotations": [{"type": "url_citation", "start_index": 0, "end_index": 3, "url": "https://e.x", "title": "E"}]},
        {"type": "custom_tool_call", "name": "exec", "input": "ls", "call_id": "call_recorded"},
        {"type": "file_search_call", "item": {"status": "completed", "queries": ["q"], "results": None}},
    ]})
    output = final["output"]
    assert [i["type"] for i in output] == ["message", "reasoning", "message", "custom_tool_call", "file_search_call"]
    assert output[0]["content"][0]["text"] == "Before thinking." and output[0]["status"] == "completed"
    assert output[1]["summary"][0]["text"] == "Now think." and final["usage"]["output_tokens_details"][
        "reasoning_tokens"] == 5
    assert [p["type"] for p in output[2]["content"]] == ["refusal", "output_text"]
    assert output[2]["content"][1]["annotations"][0]["url"] == "https://e.x"
    assert (output[3]["input"], output[3]["call_id"]) == ("ls", "call_recorded")
    assert output[4]["results"] is None and output[4]["id"].startswith("fs")
    added = [(e["output_index"], e["item"]["type"]) for e in events if e["type"] == "response.output_item.added"]
    done = [(e["output_index"], e["item"]["type"]) for e in events if e["type"] == "response.output_item.done"]
    assert added == done == list(enumerate(i["type"] for i in output))  # each closed before the next opens
    texts = {e["output_index"] for e in events if e["type"] == "response.output_text.delta"}
    assert texts == {0, 2}
    progress = [e["type"] for e in events if e["type"].startswith("response.file_search_call.")]
    assert progress == ["response.file_search_call.in_progress", "response.file_search_call.searching",
                        "response.file_search_call.completed"]


async def test_the_fields_of_a_hand_written_rule_keep_their_fixed_order():
    final, _ = await run({"text": "Answer.", "function_calls": [{"name": "f", "arguments": {"a": 1}}],
                          "reasoning": {"summary": "Hm.", "tokens": 3}})
    assert [i["type"] for i in final["output"]] == ["reasoning", "function_call", "message"]
    assert final["output"][1]["arguments"] == '{"a":1}'
