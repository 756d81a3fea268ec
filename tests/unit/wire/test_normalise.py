"""What a body becomes before validation (wire/normalise.py): each entry of EXTRAS applied on its own
body — nulls dropped at every depth but kept in free-form values, image detail, assistant messages,
tool fields — ids and custom-call statuses lifted off and put back by create_params."""

from __future__ import annotations

import pytest

from responses_mock.errors import InvalidRequest
from responses_mock.wire import normalise, requests


def user(*parts: dict, **fields) -> dict:
    return {"type": "message", "role": "user", "content": list(parts), **fields}


def test_nulls_mean_absent_at_every_depth():
    body, lifted = normalise.prepare({
        "model": "gpt-4.1", "user": None, "tools": None, "reasoning": {"effort": None, "summary": "auto"},
        "input": [user({"type": "input_text", "text": "hi", "annotations": None}, status=None),
                  {"type": "reasoning", "id": "rs_1", "summary": [], "content": None}]})
    assert body == {"model": "gpt-4.1", "reasoning": {"summary": "auto"}, "input": [
        user({"type": "input_text", "text": "hi"}), {"type": "reasoning", "id": "rs_1", "summary": []}]}
    assert lifted == {}


def test_a_null_inside_the_callers_own_values_is_kept():
    schema = {"type": "object", "properties": {"unit": {"type": ["string", "null"], "default": None}}}
    body, _ = normalise.prepare({
        "model": "gpt-4.1", "metadata": {"k": None}, "client_metadata": {"x": None},
        "prompt": {"id": "pmpt_1", "variables": {"name": None}},
        "text": {"format": {"type": "json_schema", "name": "s", "schema": schema}},
        "tools": [{"type": "function", "name": "f", "parameters": schema, "strict": None}]})
    assert body["metadata"] == {"k": None} and body["client_metadata"] == {"x": None}
    assert body["prompt"]["variables"] == {"name": None}
    assert body["text"]["format"]["schema"] == schema and body["tools"][0]["parameters"] == schema
    assert body["tools"][0]["strict"] is None  # left out and null alike: the tool's own `strict` is absent-as-null


def test_the_input_is_not_changed_in_place():
    sent = {"model": "gpt-4.1", "input": [user({"type": "input_image", "image_url": "https://x/cat.png"}, id="msg_1")]}
    before = repr(sent)
    normalise.prepare(sent)
    assert repr(sent) == before


def test_an_input_image_without_detail_is_auto():
    body, _ = normalise.prepare({"model": "gpt-4.1", "input": [user(
        {"type": "input_image", "image_url": "https://x/cat.png"},
        {"type": "input_image", "image_url": "https://x/dog.png", "detail": None},
        {"type": "input_image", "image_url": "https://x/cow.png", "detail": "low"})]})
    assert [p["detail"] for p in body["input"][0]["content"]] == ["auto", "auto", "low"]


def test_an_earlier_answer_sent_back_bare_gets_status_annotations_and_an_id():
    body, _ = normalise.prepare({"model": "gpt-4.1", "input": [
        {"role": "assistant", "content": [{"type": "output_text", "text": "Hi."}, {"type": "refusal", "refusal": "No."}]},
        {"role": "assistant", "id": "msg_given", "content": [{"type": "output_text", "text": "Yo.", "annotations": [1]}]},
        {"role": "assistant", "content": "plain text stays an easy input message"}]})
    bare, given, plain = body["input"]
    assert (bare["type"], bare["status"]) == ("message", "completed") and bare["id"].startswith("msg_")
    assert bare["content"][0]["annotations"] == [] and "annotations" not in bare["content"][1]
    assert given["id"] == "msg_given" and given["content"][0]["annotations"] == [1]  # what was sent is kept
    assert plain == {"role": "assistant", "content": "plain text stays an easy input message"}


def test_function_tools_get_strict_and_parameters_wherever_they_are_given():
    fn = {"type": "function", "name": "f"}
    namespace = {"type": "namespace", "name": "n", "description": "", "tools": [dict(fn)]}
    body, _ = normalise.prepare({"model": "gpt-4.1", "tools": [dict(fn), namespace, {"type": "web_search"}],
                                 "input": [{"type": "additional_tools", "role": "developer", "tools": [dict(fn)]}]})
    assert body["tools"][0] == {**fn, "strict": None, "parameters": None}
    assert body["tools"][1]["tools"] == [fn]  # a namespace's own tools have them optional: as sent
    assert body["tools"][2] == {"type": "web_search"}
    assert body["input"][0]["tools"] == [{**fn, "strict": None, "parameters": None}]


def test_items_we_emit_with_null_fields_come_back_with_them_null():
    body, _ = normalise.prepare({"model": "gpt-4.1", "input": [
        {"type": "code_interpreter_call", "id": "ci_1", "code": "1", "container_id": "c", "status": "completed"},
        {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": None}]})
    assert body["input"][0]["outputs"] is None and body["input"][1]["result"] is None


def test_ids_of_user_messages_and_custom_call_statuses_are_lifted_and_put_back():
    sent = {"model": "gpt-4.1", "input": [
        user({"type": "input_text", "text": "hi"}, id="msg_1"),
        {"type": "message", "role": "developer", "id": "msg_2", "content": "be brief"},
        {"type": "custom_tool_call", "call_id": "call_1", "name": "exec", "input": "ls", "status": "completed"}]}
    body, lifted = normalise.prepare(sent)
    assert "id" not in body["input"][0] and "id" not in body["input"][1] and "status" not in body["input"][2]
    assert lifted == {("input", 0): {"id": "msg_1"}, ("input", 1): {"id": "msg_2"},
                      ("input", 2): {"status": "completed"}}
    params = requests.create_params(sent)
    assert [item.get("id") for item in params["input"][:2]] == ["msg_1", "msg_2"]
    assert params["input"][2]["status"] == "completed"


def test_a_custom_call_status_is_checked_before_it_is_lifted():
    with pytest.raises(InvalidRequest) as bad:
        normalise.prepare({"model": "gpt-4.1", "input": [
            {"type": "custom_tool_call", "call_id": "c", "name": "exec", "input": "", "status": "done"}]})
    assert bad.value.param == "input[0].status" and bad.value.code == "invalid_value"
    assert bad.value.message == "Invalid value: 'done'. Supported values are: 'in_progress', 'completed', and 'incomplete'."


@pytest.mark.parametrize("body, param", [
    ({"previous_response_id": ""}, "previous_response_id"),
    ({"conversation": ""}, "conversation"),
    ({"conversation": {"id": ""}}, "conversation.id"),
    ({"input": [{"type": "function_call_output", "call_id": "", "output": "x"}]}, "input[0].call_id"),
    ({"input": [user({"type": "input_text", "text": "x"}, id="")]}, "input[0].id"),
])
def test_an_empty_id_is_refused_naming_it(body, param):
    with pytest.raises(InvalidRequest) as bad:
        normalise.prepare({"model": "gpt-4.1", **body})
    assert (bad.value.param, bad.value.code) == (param, "empty_string")
    assert bad.value.message == (f"Invalid '{param}': empty string. Expected a string with minimum length 1, "
                                 "but got an empty string instead.")


def test_an_id_with_a_nul_is_refused():
    with pytest.raises(InvalidRequest) as bad:
        normalise.prepare({"model": "gpt-4.1", "previous_response_id": "resp_\x00"})
    assert (bad.value.param, bad.value.code) == ("previous_response_id", "invalid_value")


def test_every_extra_has_evidence_and_a_place():
    names = [extra.name for extra in normalise.EXTRAS]
    assert len(names) == len(set(names))
    for extra in normalise.EXTRAS:
        assert extra.evidence and (extra.apply is not None or extra.where)
