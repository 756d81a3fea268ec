"""What the real API accepts beyond the SDK's types (wire/normalise.py EXTRAS), over HTTP and
WebSocket: Codex's client_metadata, nulls deep in input items, tool outputs without call_id."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import openai
import pytest

from responses_mock.wire.normalise import EXTRAS
from tests.conftest import new_key

README = Path(__file__).resolve().parents[2] / "README.md"
CODEX_METADATA = {"x-codex-installation-id": "0c1f…", "session_id": "sess-1", "thread_id": "th-1"}


def test_readme_lists_every_extra_with_its_evidence():
    text = README.read_text()
    table = text.split("### Accepted beyond the SDK's types", 1)[1].split("\n### ", 1)[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:] == [extra.name for extra in EXTRAS]
    assert all(extra.evidence for extra in EXTRAS)


def test_client_metadata_is_accepted_validated_and_not_echoed(client, server):
    done = client.responses.create(model="gpt-4.1", input="Hi", extra_body={"client_metadata": CODEX_METADATA})
    assert done.status == "completed" and "client_metadata" not in done.model_dump()
    with client.responses.create(model="gpt-4.1", input="Hi", stream=True,
                                 extra_body={"client_metadata": CODEX_METADATA}) as stream:
        assert [e.type for e in stream][-1] == "response.completed"
    with pytest.raises(openai.BadRequestError) as bad:
        client.responses.create(model="gpt-4.1", input="Hi", extra_body={"client_metadata": {"turn": 3}})
    assert bad.value.body["param"] == "client_metadata.turn"
    assert bad.value.body["message"] == ("Invalid type for 'client_metadata.turn': expected a string, but got an "
                                         "integer instead.")
    key = new_key()
    with server.client(api_key=key) as c, c.responses.connect() as conn:
        conn.send({"type": "response.create", "model": "gpt-4.1", "input": "Hi", "client_metadata": CODEX_METADATA})
        for event in conn:
            if event.type in ("response.completed", "error"):
                assert event.type == "response.completed"
                break


def test_a_reasoning_item_sent_back_with_null_content_continues_the_loop(client):
    """Codex's second turn: the reasoning item of the first answer, `content: null`, store off."""
    first = client.responses.create(model="gpt-5-mini", input="Plan a trip to Rome.", store=False,
                                    include=["reasoning.encrypted_content"])
    reasoning = next(o for o in first.output if o.type == "reasoning").model_dump()
    reasoning["content"] = None
    message = next(o for o in first.output if o.type == "message").model_dump()
    message["content"][0]["logprobs"] = None
    second = client.responses.create(model="gpt-5-mini", store=False, include=["reasoning.encrypted_content"], input=[
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Plan a trip to Rome."}]},
        reasoning, message,
        {"type": "message", "role": "user", "status": None, "content": [
            {"type": "input_text", "text": "And to Milan?"}]}])
    assert second.status == "completed"
    assert second.usage.input_tokens > first.usage.input_tokens


def test_a_tool_output_without_call_id_is_taken_and_listed(client):
    done = client.responses.create(model="gpt-4.1", input=[
        {"type": "message", "role": "user", "content": "Track my goal."},
        {"type": "function_call_output", "name": "create_goal", "namespace": "agent", "output": "goal created"}])
    assert done.status == "completed"
    listed = client.responses.input_items.list(done.id).data
    output = next(i for i in listed if i.type == "function_call_output")
    assert output.output == "goal created" and output.model_dump().get("call_id") is None
    with pytest.raises(openai.BadRequestError) as bad:  # a call_id is still paired with a call
        client.responses.create(model="gpt-4.1", input=[
            {"type": "function_call_output", "call_id": "call_nowhere", "output": "x"}])
    assert bad.value.body["message"] == "No tool call found for function call output with call_id call_nowhere."


def test_no_message_prints_a_python_none(server):
    key = new_key()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as http:
        bodies = [
            {"model": "gpt-4.1", "input": [{"type": "function_call_output", "output": None}]},
            {"model": "gpt-4.1", "input": [{"type": "function_call_output", "call_id": None, "output": "x"}],
             "previous_response_id": "resp_missing"},
            {"model": "gpt-4.1", "input": [{"type": "reasoning", "summary": None, "content": None}]},
        ]
        for body in bodies:
            reply = http.post("/v1/responses", json=body)
            assert 400 <= reply.status_code < 500, reply.text
            assert not re.search(r"\bNone\b", reply.json()["error"]["message"]), reply.text


def test_tools_without_strict_or_parameters_wherever_tools_are_given(client):
    """In `tools`, inside a namespace, in an additional_tools item (Codex's default model) and in a
    tool_search_output item: the SDK types `strict` and `parameters` required where a tool is a
    plain function tool, and the real API takes them left out."""
    bare = {"type": "function", "name": "get_weather", "description": "Weather for a city."}
    ns = {"type": "namespace", "name": "weather", "description": "", "tools": [bare]}
    done = client.responses.create(model="gpt-4.1", tools=[bare, {**ns, "name": "w2"}], input=[
        {"type": "additional_tools", "role": "developer", "tools": [bare, ns]},
        {"type": "tool_search_output", "call_id": "call_ts", "execution": "client", "status": "completed", "tools": [bare]},
        {"type": "message", "role": "user", "content": "Hi"}])
    assert done.status == "completed"
    listed = client.responses.input_items.list(done.id, order="asc").data
    assert listed[0].type == "additional_tools" and listed[0].id.startswith("at_")


def test_our_own_items_come_back_with_their_status_and_nulls(client, server):
    """Codex sends a custom_tool_call back with the status our item had; the SDK dumps a code
    interpreter call with `outputs: null`. Both are taken (and the status kept), HTTP and WebSocket."""
    call = {"type": "custom_tool_call", "id": "ctc_1", "status": "completed", "call_id": "call_1", "name": "exec",
            "namespace": "functions", "input": "text(1);"}
    ci = {"type": "code_interpreter_call", "id": "ci_1", "status": "completed", "code": None, "outputs": None,
          "container_id": "cntr_1"}
    history = [{"type": "message", "role": "user", "content": "Go."}, call,
               {"type": "custom_tool_call_output", "call_id": "call_1", "output": "1"}, ci]
    done = client.responses.create(model="gpt-4.1", input=history)
    listed = {i.type: i for i in client.responses.input_items.list(done.id).data}
    assert listed["custom_tool_call"].status == "completed" and listed["custom_tool_call"].namespace == "functions"
    with pytest.raises(openai.BadRequestError) as bad:
        client.responses.create(model="gpt-4.1", input=[{**call, "status": "done"}])
    assert (bad.value.body["param"], bad.value.body["message"]) == (
        "input[0].status", "Invalid value: 'done'. Supported values are: 'in_progress', 'completed', and 'incomplete'.")
    with server.client(api_key=new_key()) as c, c.responses.connect() as conn:
        conn.send({"type": "response.create", "model": "gpt-4.1", "input": history})
        for event in conn:
            if event.type in ("response.completed", "error"):
                assert event.type == "response.completed", event
                break
