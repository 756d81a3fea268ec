"""POST/GET/DELETE /v1/responses through the official SDK, sync and async, on both stores."""

from __future__ import annotations

import openai
import pytest

from responses_mock.services import tokens


def test_create_basic_shape(client):
    r = client.responses.create(model="gpt-5-mini", input="Explain entanglement in two sentences.")
    assert r.id.startswith("resp_") and len(r.id) == 53
    assert r.object == "response" and r.status == "completed"
    assert r.model == "gpt-5-mini-2025-08-07"
    assert r.output_text.count(".") == 2 and "entanglement" in r.output_text.lower()
    kinds = [item.type for item in r.output]
    assert kinds == ["reasoning", "message"]
    assert r.output[0].id.startswith("rs_") and r.output[1].id.startswith("msg_")
    assert r.output[1].status == "completed" and r.output[1].role == "assistant"
    u = r.usage
    assert u.input_tokens == 2 + 4 + tokens.count("Explain entanglement in two sentences.")
    assert u.output_tokens == tokens.count(r.output_text) + u.output_tokens_details.reasoning_tokens
    assert u.output_tokens_details.reasoning_tokens > 0
    assert u.input_tokens_details.cached_tokens == 0
    assert u.total_tokens == u.input_tokens + u.output_tokens
    assert r.completed_at >= r.created_at > 1_700_000_000


def test_defaults_echo_like_the_real_api(client):
    r = client.responses.create(model="gpt-4.1", input="hi")
    assert (r.temperature, r.top_p, r.store, r.truncation, r.tool_choice) == (1.0, 1.0, True, "disabled", "auto")
    assert r.text.format.type == "text" and r.text.verbosity == "medium"
    assert r.parallel_tool_calls is True and r.tools == [] and r.metadata == {}
    assert r.background is False and r.service_tier == "default" and r.top_logprobs == 0
    assert r.reasoning.effort is None and r.error is None and r.incomplete_details is None
    assert [i.type for i in r.output] == ["message"]  # not a reasoning model
    assert r.usage.output_tokens_details.reasoning_tokens == 0


def test_request_settings_are_echoed(client):
    r = client.responses.create(model="gpt-4.1", input="hi", temperature=0.3, top_p=0.5,
                                metadata={"k": "v"}, instructions="Be terse.", user="u1",
                                truncation="auto", max_output_tokens=500, service_tier="flex")
    assert (r.temperature, r.top_p, r.metadata, r.instructions, r.user) == (0.3, 0.5, {"k": "v"}, "Be terse.", "u1")
    assert (r.truncation, r.max_output_tokens, r.service_tier) == ("auto", 500, "flex")
    g = client.responses.create(model="gpt-5", input="hi", reasoning={"effort": "low", "summary": "auto"})
    assert g.reasoning.effort == "low" and g.reasoning.summary == "auto"
    assert g.output[0].summary and g.output[0].summary[0].type == "summary_text"


def test_same_request_same_output(client):
    a = client.responses.create(model="gpt-5-nano", input="Describe the water cycle.")
    b = client.responses.create(model="gpt-5-nano", input="Describe the water cycle.")
    c = client.responses.create(model="gpt-5-nano", input="Describe plate tectonics.")
    assert a.output_text == b.output_text and a.usage == b.usage
    assert a.id != b.id and c.output_text != a.output_text
    assert 20 <= a.usage.output_tokens - a.usage.output_tokens_details.reasoning_tokens <= 300


def test_alias_and_snapshot_are_both_accepted(client):
    assert client.responses.create(model="gpt-4o-mini-2024-07-18", input="x").model == "gpt-4o-mini-2024-07-18"
    assert client.responses.create(model="o4-mini", input="x").model == "o4-mini-2025-04-16"


def test_retrieve_returns_what_create_returned(client):
    r = client.responses.create(model="gpt-5-mini", input="Tell me about volcanoes.", metadata={"a": "b"})
    assert client.responses.retrieve(r.id) == r


def test_delete_then_404(client):
    r = client.responses.create(model="gpt-4.1-mini", input="hello")
    raw = client.responses.with_raw_response.delete(r.id)
    assert raw.http_response.json() == {"id": r.id, "object": "response", "deleted": True}
    with pytest.raises(openai.NotFoundError) as err:
        client.responses.retrieve(r.id)
    assert err.value.body == {"message": f"Response with id '{r.id}' not found.",
                              "type": "invalid_request_error", "param": None, "code": None}
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(r.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.input_items.list(r.id)


def test_unknown_id_is_404(client):
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_doesnotexist")


def test_keys_do_not_see_each_others_responses(server, client):
    r = client.responses.create(model="gpt-4.1", input="mine")
    with server.client() as other, pytest.raises(openai.NotFoundError):
        other.responses.retrieve(r.id)


def test_previous_response_chains_context(client):
    first = client.responses.create(model="gpt-4.1", input="My name is Ada.", instructions="Be kind.")
    second = client.responses.create(model="gpt-4.1", input="What is my name?", previous_response_id=first.id)
    assert second.previous_response_id == first.id
    assert second.instructions is None  # instructions are not carried over
    expected = 2 + sum(4 + tokens.count(t) for t in ["My name is Ada.", first.output_text, "What is my name?"])
    assert second.usage.input_tokens == expected
    items = client.responses.input_items.list(second.id, order="asc").data
    assert [i.type for i in items] == ["message", "message", "message"]
    assert items[1].id == first.output[0].id and items[1].role == "assistant"
    assert items[0].content[0].text == "My name is Ada." and items[2].content[0].text == "What is my name?"
    counted = client.responses.input_tokens.count(model="gpt-4.1", input="What is my name?",
                                                  previous_response_id=first.id)
    assert counted.input_tokens == expected


def test_store_false_is_not_retrievable_nor_chainable(client):
    r = client.responses.create(model="gpt-4.1", input="secret", store=False)
    assert r.store is False and r.status == "completed"
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(r.id)
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="gpt-4.1", input="x", previous_response_id=r.id)
    assert err.value.code == "previous_response_not_found"
    assert err.value.param == "previous_response_id"


def test_max_output_tokens_cuts_the_message(client):
    r = client.responses.create(model="gpt-4.1", input="Write about oceans in ten sentences.",
                                max_output_tokens=16)
    assert r.status == "incomplete" and r.incomplete_details.reason == "max_output_tokens"
    assert r.output[0].status == "incomplete"
    assert r.usage.output_tokens == 16 == tokens.count(r.output_text)
    assert client.responses.retrieve(r.id) == r


def test_max_output_tokens_can_stop_a_reasoning_model_while_thinking(client):
    r = client.responses.create(model="gpt-5", input="Prove it.", max_output_tokens=16,
                                reasoning={"effort": "high"})
    assert r.status == "incomplete"
    assert [i.type for i in r.output] == ["reasoning"] and r.output_text == ""
    assert r.usage.output_tokens == r.usage.output_tokens_details.reasoning_tokens == 16


def test_item_list_input_with_every_role(client):
    r = client.responses.create(model="gpt-4.1", input=[
        {"role": "system", "content": "You are a test."},
        {"role": "developer", "content": [{"type": "input_text", "text": "Be precise."}]},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi, how can I help?"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Tell me a fact."}]},
    ])
    items = client.responses.input_items.list(r.id, order="asc").data
    assert [(i.type, i.role) for i in items] == [("message", "system"), ("message", "developer"),
                                                  ("message", "user"), ("message", "assistant"),
                                                  ("message", "user")]
    assert all(i.id.startswith("msg_") for i in items)
    assert items[3].content[0].type == "output_text" and items[3].content[0].text == "Hi, how can I help?"
    texts = ["You are a test.", "Be precise.", "Hello", "Hi, how can I help?", "Tell me a fact."]
    assert r.usage.input_tokens == 2 + sum(4 + tokens.count(t) for t in texts)


def test_instructions_count_as_a_message(client):
    r = client.responses.create(model="gpt-5-mini", input="Hi", instructions="Answer in French.")
    assert r.usage.input_tokens == 2 + (4 + tokens.count("Answer in French.")) + (4 + tokens.count("Hi"))


async def test_async_client_round_trip(aclient):
    r = await aclient.responses.create(model="gpt-5-mini", input="Async hello")
    assert r.status == "completed"
    assert await aclient.responses.retrieve(r.id) == r
    page = await aclient.responses.input_items.list(r.id)
    assert page.data[0].content[0].text == "Async hello"
    count = await aclient.responses.input_tokens.count(model="gpt-5-mini", input="Async hello")
    assert count.input_tokens == r.usage.input_tokens
    await aclient.responses.delete(r.id)
    with pytest.raises(openai.NotFoundError):
        await aclient.responses.retrieve(r.id)


def test_replies_were_checked_against_the_spec(server, client):
    server.checked.clear()
    r = client.responses.create(model="gpt-5", input="x", reasoning={"summary": "detailed"})
    client.responses.retrieve(r.id)
    client.responses.input_items.list(r.id)
    client.responses.input_tokens.count(model="gpt-5", input="x")
    assert server.checked == ["Response", "Response", "ResponseItemList", "TokenCountsResource"]
