"""What client libraries rely on beyond the official SDK: nulls as absent (LlamaIndex sends every
optional field), union errors judged by `type`, images without `detail`, tool outputs that must
answer a call, the real echoes and refusals."""

from __future__ import annotations

import time

import openai
import pytest

from responses_mock.testing import AdminClient
from tests.conftest import new_key, sse

TOOL = {"type": "function", "name": "get_weather", "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def _post(server, body: dict, key: str | None = None):
    with server.http(headers={"Authorization": f"Bearer {key or new_key()}"}) as http:
        return http.post("/v1/responses", json=body)


def test_nulls_for_optional_parameters_mean_absent(server):
    """LlamaIndex's OpenAIResponses sends these on every call."""
    body = {"model": "gpt-4.1", "input": "Hello", "user": None, "include": None, "instructions": None,
            "tools": None, "tool_choice": None, "text": None, "metadata": None, "max_output_tokens": None,
            "previous_response_id": None, "temperature": None, "top_p": None, "store": None,
            "truncation": None, "parallel_tool_calls": None, "reasoning": None, "stream": None, "background": None}
    reply = _post(server, body)
    assert reply.status_code == 200, reply.text
    r = reply.json()
    assert r["status"] == "completed" and r["tools"] == [] and r["tool_choice"] == "auto" and r["store"] is True
    error = _post(server, {"model": None, "input": "hi"}).json()["error"]  # required stays required
    assert error["param"] == "model"


@pytest.mark.parametrize("body, param, message", [
    ({"tools": [{"type": "function", "parameters": {"type": "object", "properties": {}}}]}, "tools[0].name",
     "Missing required parameter: 'tools[0].name'."),
    ({"text": {"format": {"type": "json_schema", "schema": {"type": "object"}}}}, "text.format.name",
     "Missing required parameter: 'text.format.name'."),
    ({"input": [{"role": "user", "content": [{"type": "input_texx", "text": "x"}]}]}, "input[0].content[0].type",
     "Invalid value: 'input_texx'. Supported values are: 'input_text', 'input_image', and 'input_file'."),
    ({"truncation": "sometimes"}, "truncation", "Invalid value: 'sometimes'. Supported values are: 'auto' and 'disabled'."),
])
def test_union_errors_follow_the_type_sent(server, body, param, message):
    error = _post(server, {"model": "gpt-4.1", "input": "hi", **body}).json()["error"]
    assert (error["param"], error["message"]) == (param, message)


def test_an_image_without_detail_is_accepted(client):
    r = client.responses.create(model="gpt-4.1", input=[{"role": "user", "content": [
        {"type": "input_text", "text": "What is in this image?"},
        {"type": "input_image", "image_url": "https://example.com/cat.png"}]}])
    assert r.status == "completed"
    [item] = client.responses.input_items.list(r.id).data
    assert item.content[1].detail == "auto"


def test_a_tool_output_must_answer_a_call(client):
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="gpt-4.1", input=[
            {"type": "function_call_output", "call_id": "call_nope", "output": "42"}])
    assert err.value.body["message"] == "No tool call found for function call output with call_id call_nope."
    first = client.responses.create(model="gpt-4.1", input="Weather in Paris?", tools=[TOOL], tool_choice="required")
    call = next(o for o in first.output if o.type == "function_call")
    with pytest.raises(openai.BadRequestError):  # through previous_response_id too
        client.responses.create(model="gpt-4.1", previous_response_id=first.id, tools=[TOOL], input=[
            {"type": "function_call_output", "call_id": "call_other", "output": "sunny"}])
    done = client.responses.create(model="gpt-4.1", previous_response_id=first.id, tools=[TOOL], input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}])
    assert done.status == "completed"


def test_strict_left_out_is_echoed_true(client):
    r = client.responses.create(model="gpt-4.1", input="hi", tools=[TOOL])
    assert r.tools[0].strict is True


def test_refusals_the_real_api_makes(client):
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="gpt-4.1", input="hi", tool_choice="required")
    assert err.value.param == "tool_choice"
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="gpt-5-mini", input="hi", top_logprobs=3)
    assert err.value.param == "top_logprobs" and err.value.code == "unsupported_parameter"


def test_delta_events_carry_obfuscation_unless_turned_off(server):
    key = new_key()
    events = sse(server, key, "POST", "/v1/responses", json={"model": "gpt-4.1", "input": "Hi there", "stream": True})
    deltas = [e for e in events if e["type"].endswith(".delta")]
    assert deltas and all(isinstance(e["obfuscation"], str) and e["obfuscation"] for e in deltas)
    assert all((len(e["delta"]) + len(e["obfuscation"])) % 16 == 0 for e in deltas)  # sizes evened out
    again = sse(server, key, "GET", f"/v1/responses/{events[0]['response']['id']}", params={"stream": "true"})
    assert [e.get("obfuscation") for e in again] == [e.get("obfuscation") for e in events]  # the log keeps them
    plain = sse(server, key, "GET", f"/v1/responses/{events[0]['response']['id']}",
                params={"stream": "true", "include_obfuscation": "false"})
    assert plain and not any("obfuscation" in e for e in plain)
    off = sse(server, key, "POST", "/v1/responses", json={
        "model": "gpt-4.1", "input": "Hi there", "stream": True, "stream_options": {"include_obfuscation": False}})
    assert not any("obfuscation" in e for e in off)


def test_stateless_reasoning_loop_with_encrypted_content(client):
    """pydantic-ai, the Agents SDK, LangChain and the AI SDK with store: false send the reasoning back
    as its encrypted blob; it must come out when included and be taken back."""
    first = client.responses.create(model="gpt-5-mini", input="Plan a picnic.", store=False,
                                    include=["reasoning.encrypted_content"])
    [reasoning] = [o for o in first.output if o.type == "reasoning"]
    assert reasoning.encrypted_content and reasoning.encrypted_content.startswith("gAAAAAB")
    plain = client.responses.create(model="gpt-5-mini", input="Plan a picnic.", store=False)
    assert next(o for o in plain.output if o.type == "reasoning").encrypted_content is None
    again = client.responses.create(model="gpt-5-mini", store=False, include=["reasoning.encrypted_content"], input=[
        {"role": "user", "content": "Plan a picnic."},
        reasoning.model_dump(exclude_none=True),
        *[o.model_dump(exclude_none=True) for o in first.output if o.type == "message"],
        {"role": "user", "content": "And if it rains?"}])
    assert again.status == "completed"
    forged = {**reasoning.model_dump(exclude_none=True), "encrypted_content": "gAAAAABnotours"}
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="gpt-5-mini", store=False, input=[{"role": "user", "content": "hi"}, forged])
    assert err.value.body["message"] == f"The encrypted content for item {reasoning.id} could not be verified."


def test_item_references_resolve_to_the_stored_items(client):
    """The Vercel AI SDK (store on) sends earlier assistant messages and reasoning as references."""
    first = client.responses.create(model="gpt-5-mini", input="Name a colour of the sky in one sentence.")
    reasoning, message = first.output[0], first.output[-1]
    follow = client.responses.create(model="gpt-5-mini", input=[
        {"role": "user", "content": "Name a colour of the sky in one sentence."},
        {"type": "item_reference", "id": reasoning.id},
        {"type": "item_reference", "id": message.id},
        {"role": "user", "content": "And at night?"}])
    listed = client.responses.input_items.list(follow.id, order="asc").data
    assert [i.type for i in listed] == ["message", "reasoning", "message", "message"]
    assert listed[2].id == message.id and listed[2].content[0].text == first.output_text
    # Counted: the referenced message's text is in the prompt, as if sent in full.
    full = client.responses.input_tokens.count(model="gpt-5-mini", input=[
        {"role": "user", "content": "Name a colour of the sky in one sentence."},
        {"role": "assistant", "content": first.output_text},
        {"role": "user", "content": "And at night?"}])
    assert follow.usage.input_tokens == full.input_tokens
    with pytest.raises(openai.NotFoundError) as err:
        client.responses.create(model="gpt-5-mini", input=[{"type": "item_reference", "id": "msg_nope"}])
    assert err.value.body["message"].startswith("Item with id 'msg_nope' not found.")


def test_reasoning_sent_back_by_id_from_an_unstored_response_is_404(client):
    first = client.responses.create(model="gpt-5-mini", input="Think about owls.", store=False)
    reasoning = first.output[0]
    with pytest.raises(openai.NotFoundError) as err:
        client.responses.create(model="gpt-5-mini", input=[
            {"role": "user", "content": "Think about owls."}, {"type": "reasoning", "id": reasoning.id, "summary": []},
            {"role": "user", "content": "More?"}])
    assert err.value.body["message"] == (
        f"Item with id '{reasoning.id}' not found. Items are not persisted when `store` is set to false. "
        "Try again with `store` set to true, or remove this item from your input.")
    stored = client.responses.create(model="gpt-5-mini", input="Think about owls.")
    again = client.responses.create(model="gpt-5-mini", input=[
        {"role": "user", "content": "Think about owls."}, {"type": "reasoning", "id": stored.output[0].id, "summary": []},
        {"role": "user", "content": "More?"}])
    assert again.status == "completed"


def test_outputs_of_streamed_and_background_responses_are_referable(client):
    with client.responses.stream(model="gpt-4.1", input="Stream a line.") as stream:
        streamed = stream.get_final_response()
    r = client.responses.create(model="gpt-4.1", input=[{"type": "item_reference", "id": streamed.output[0].id},
                                                        {"role": "user", "content": "Go on."}])
    assert r.status == "completed"
    gone = client.responses.create(model="gpt-4.1", input="Soon deleted.", background=True,
                                   extra_headers={"x-mock-queue-delay": "0", "x-mock-tokens-per-second": "0",
                                                  "x-mock-time-to-first-token": "0"})
    while gone.status in ("queued", "in_progress"):
        gone = client.responses.retrieve(gone.id)
    assert client.responses.create(model="gpt-4.1", input=[
        {"type": "item_reference", "id": gone.output[0].id}, {"role": "user", "content": "Go on."}]).status == "completed"
    unseen = client.responses.create(model="gpt-4.1", input="Deleted before anyone refers to it.")
    client.responses.delete(unseen.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-4.1", input=[{"type": "item_reference", "id": unseen.output[0].id}])


def test_logprobs_when_included(server, client):
    r = client.responses.create(model="gpt-4.1", input="Say hello.", top_logprobs=3,
                                include=["message.output_text.logprobs"])
    part = r.output[0].content[0]
    assert part.logprobs and "".join(lp.token for lp in part.logprobs) == part.text
    for lp in part.logprobs:
        assert lp.logprob <= 0 and bytes(lp.bytes).decode() == lp.token
        assert len(lp.top_logprobs) == 3 and lp.top_logprobs[0].token == lp.token
        assert [t.logprob for t in lp.top_logprobs] == sorted((t.logprob for t in lp.top_logprobs), reverse=True)
    again = client.responses.create(model="gpt-4.1", input="Say hello.", top_logprobs=3,
                                    include=["message.output_text.logprobs"])
    assert again.output[0].content[0].logprobs == part.logprobs  # deterministic
    assert client.responses.create(model="gpt-4.1", input="Say hello.").output[0].content[0].logprobs == []
    events = sse(server, new_key(), "POST", "/v1/responses", json={
        "model": "gpt-4.1", "input": "Say hello.", "stream": True, "top_logprobs": 2,
        "include": ["message.output_text.logprobs"]})
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    assert all(len(e["logprobs"]) == 1 and e["logprobs"][0]["token"] == e["delta"] for e in deltas)
    assert len(deltas[0]["logprobs"][0]["top_logprobs"]) == 2


def test_the_object_carries_what_the_real_one_does(server):
    body = _post(server, {"model": "gpt-4.1", "input": "hi"}).json()
    assert body["billing"] == {"payer": "developer"}
    assert body["frequency_penalty"] == body["presence_penalty"] == 0.0
    assert body["reasoning"] == {"context": None, "effort": None, "summary": None}
    assert body["prompt"] is None and body["moderation"] is None


def test_the_context_window_and_auto_truncation(client):
    """gpt-4o's window is 128,000 tokens: 140,000 tokens of history are refused, or with
    truncation "auto" the oldest items are dropped until the rest fits (usage says what was kept)."""
    old = [{"role": "user", "content": "word " * 80_000}, {"role": "assistant", "content": "Noted."}]
    recent = [{"role": "user", "content": "word " * 60_000}, {"role": "user", "content": "Summarise."}]
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="gpt-4o", input=old + recent)
    assert err.value.code == "context_length_exceeded" and err.value.param == "input"
    assert err.value.body["message"] == ("Your input exceeds the context window of this model. "
                                         "Please adjust your input and try again.")
    r = client.responses.create(model="gpt-4o", input=old + recent, truncation="auto")
    kept = client.responses.input_tokens.count(model="gpt-4o", input=[old[1]] + recent).input_tokens
    assert r.status == "completed" and r.truncation == "auto" and r.usage.input_tokens == kept
    assert len(client.responses.input_items.list(r.id, limit=10).data) == 4  # the input is stored whole


@pytest.mark.parametrize("model, params, param, message", [
    ("gpt-5-mini", {"reasoning": {"effort": "none"}}, "reasoning.effort",
     "Unsupported value: 'reasoning.effort' does not support 'none' with this model. Supported values are: "
     "'minimal', 'low', 'medium', and 'high'."),
    ("gpt-5-mini", {"reasoning": {"effort": "xhigh"}}, "reasoning.effort", "does not support 'xhigh'"),
    ("gpt-5.1", {"reasoning": {"effort": "minimal"}}, "reasoning.effort", "'none', 'low', 'medium', and 'high'"),
    ("o3", {"reasoning": {"effort": "minimal"}}, "reasoning.effort", "'low', 'medium', and 'high'"),
    ("gpt-4.1", {"text": {"verbosity": "low"}}, "text.verbosity",
     "Unsupported value: 'text.verbosity' does not support 'low' with this model. Supported values are: 'medium'."),
])
def test_model_capabilities(client, model, params, param, message):
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model=model, input="hi", **params)
    assert err.value.param == param and message in err.value.body["message"]
    assert err.value.code == "unsupported_value"


def test_supported_capabilities_pass(client):
    assert client.responses.create(model="gpt-5.1", input="hi", reasoning={"effort": "none"}).status == "completed"
    assert client.responses.create(model="gpt-5-mini", input="hi", text={"verbosity": "low"}).status == "completed"


def test_a_reasoning_model_under_a_tight_limit_still_starts_its_answer(client):
    """OpenAI's walkthrough: gpt-5-mini, max_output_tokens=200 → incomplete, with a reasoning item
    and a partial message; only a tiny limit goes to reasoning alone."""
    r = client.responses.create(model="gpt-5-mini", instructions="You are a biology teacher. Explain clearly.",
                                input="Describe photosynthesis in one paragraph.", max_output_tokens=200)
    assert r.status == "incomplete" and r.incomplete_details.reason == "max_output_tokens"
    assert [o.type for o in r.output] == ["reasoning", "message"] and "photosynthesis" in r.output_text.lower()
    assert r.usage.output_tokens == 200 and 0 < r.usage.output_tokens_details.reasoning_tokens < 200
    tiny = client.responses.create(model="gpt-5-mini", input="Describe photosynthesis.", max_output_tokens=20)
    assert tiny.status == "incomplete" and [o.type for o in tiny.output] == ["reasoning"]


def test_prompt_caching_reports_cached_prefix_tokens(client, server):
    """Three identical long calls: the first caches, the next two read 1,024 + 128·k tokens of it;
    another key or another prompt_cache_key starts cold; a short prompt never caches."""
    long_input = "The committee reviewed the quarterly figures in detail. " * 300  # ~3,000 tokens
    calls = [client.responses.create(model="gpt-4.1", input=long_input) for _ in range(3)]
    total = calls[0].usage.input_tokens
    cached = [c.usage.input_tokens_details.cached_tokens for c in calls]
    assert cached[0] == 0 and cached[1] == cached[2] == 1024 + 128 * ((total - 1024) // 128)
    assert cached[1] % 128 == 0 and total - 128 < cached[1] <= total
    with server.client() as other:  # another key: its own cache
        assert other.responses.create(model="gpt-4.1", input=long_input).usage.input_tokens_details.cached_tokens == 0
    keyed = client.responses.create(model="gpt-4.1", input=long_input, prompt_cache_key="tenant-42")
    assert keyed.usage.input_tokens_details.cached_tokens == 0
    more = client.responses.create(model="gpt-4.1", input=long_input + " And one more question?")
    assert more.usage.input_tokens_details.cached_tokens >= cached[1] - 128  # the shared prefix
    short = [client.responses.create(model="gpt-4.1", input="hi") for _ in range(2)]
    assert short[1].usage.input_tokens_details.cached_tokens == 0


def test_the_walkthroughs_cancel_cell(client):
    """OpenAI's walkthrough: a detailed background essay, cancelled after a second, is `cancelled`
    with the partial output it had: at gpt-5-mini's catalog timing (0.6 s to the first token, then
    120 tokens/s, reasoning first) a second in is early in its thinking."""
    started = time.monotonic()
    r = client.responses.create(model="gpt-5-mini", background=True, max_output_tokens=2000, input=(
        "Write a detailed essay about the history of computing, covering at least 10 major milestones."))
    time.sleep(1)  # the walkthrough's own second, the point it cancels at (not a wait for a state)
    cancelled = client.responses.cancel(r.id)
    elapsed = time.monotonic() - started
    assert cancelled.status == "cancelled"
    assert [o.type for o in cancelled.output] == ["reasoning"]
    spent = cancelled.usage.output_tokens
    assert 0 < spent == cancelled.usage.output_tokens_details.reasoning_tokens <= 120 * (elapsed - 0.6) + 32
    assert client.responses.retrieve(r.id).status == "cancelled"


def test_prompt_templates(server):
    """A template defined for a key renders into the context and is echoed; unknown ids, versions
    and missing variables get errors; another key does not see it."""
    key = new_key()
    admin = AdminClient(server.url, api_key=key)
    admin.prompt({"id": "pmpt_support", "version": "1", "instructions": "You are {{persona}}.",
                  "messages": [{"role": "user", "content": "My order is {{order}}."}]},
                 {"id": "pmpt_support", "version": "2", "instructions": "You are {{persona}}, brief."})
    with server.client(api_key=key) as client:
        r = client.responses.create(model="gpt-4.1", input="Where is it?", prompt={
            "id": "pmpt_support", "version": "1", "variables": {"persona": "a courier", "order": "A-17"}})
        assert r.prompt.id == "pmpt_support" and r.prompt.version == "1"
        assert r.instructions == "You are a courier."
        listed = client.responses.input_items.list(r.id, order="asc").data
        assert [i.content[0].text for i in listed] == ["My order is A-17.", "Where is it?"]
        newest = client.responses.create(model="gpt-4.1", input="Hi", prompt={
            "id": "pmpt_support", "variables": {"persona": "a clerk"}})
        assert newest.prompt.version == "2" and newest.instructions == "You are a clerk, brief."
        with pytest.raises(openai.BadRequestError) as err:
            client.responses.create(model="gpt-4.1", input="Hi", prompt={"id": "pmpt_support", "version": "1"})
        assert err.value.body["message"] == "Missing prompt variables: order, persona."
        with pytest.raises(openai.NotFoundError):
            client.responses.create(model="gpt-4.1", input="Hi", prompt={"id": "pmpt_nope"})
        with pytest.raises(openai.NotFoundError):
            client.responses.create(model="gpt-4.1", input="Hi", prompt={"id": "pmpt_support", "version": "9"})
    with server.client() as stranger, pytest.raises(openai.NotFoundError):
        stranger.responses.create(model="gpt-4.1", input="Hi", prompt={"id": "pmpt_support", "variables": {"persona": "x"}})


def test_prompt_templates_from_the_fixtures_file(make_server, tmp_path):
    rules = tmp_path / "fixtures.yaml"
    rules.write_text("rules:\n  - match: {input_contains: ping}\n    respond: {text: pong}\n"
                     "prompts:\n  - id: pmpt_file\n    version: '3'\n    instructions: 'Speak like {{who}}.'\n")
    server = make_server("sqlite", fixtures=rules)
    with server.client() as client:
        r = client.responses.create(model="gpt-4.1", input="ping", prompt={"id": "pmpt_file", "variables": {"who": "a pirate"}})
        assert r.output_text == "pong" and r.instructions == "Speak like a pirate." and r.prompt.version == "3"
