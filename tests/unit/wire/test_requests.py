"""Request validation (wire/requests.py) in the real API's words: unknown parameters at any depth,
wrong types (strict: "5" is no integer), enum values, ranges, metadata limits, array caps, the depth
limit, a long input validated in chunks with errors located as if whole; and every output item we
emit accepted back as input."""

from __future__ import annotations

import orjson
import pytest

from responses_mock import ids
from responses_mock.backends import hosted
from responses_mock.errors import InvalidRequest
from responses_mock.wire import objects, requests


def refused(body: dict | bytes, check=requests.create_response) -> dict:
    """The error envelope a body gets (its `error` member)."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    with pytest.raises(InvalidRequest) as bad:
        check(raw)
    return bad.value.body()["error"]


def create(**fields) -> dict:
    return {"model": "gpt-4.1", "input": "hi", **fields}


@pytest.mark.parametrize("fields, param, code, message", [
    ({"bogus": 1}, "bogus", "unknown_parameter", "Unknown parameter: 'bogus'."),
    ({"input": [{"role": "user", "content": "x", "extra": 1}]}, "input[0].extra", "unknown_parameter",
     "Unknown parameter: 'input[0].extra'."),
    ({"temperature": "1"}, "temperature", "invalid_type",
     "Invalid type for 'temperature': expected a decimal, but got a string instead."),
    ({"stream": "yes"}, "stream", "invalid_type",
     "Invalid type for 'stream': expected a boolean, but got a string instead."),
    ({"max_output_tokens": 16.5}, "max_output_tokens", "invalid_type",
     "Invalid type for 'max_output_tokens': expected an integer, but got a decimal instead."),
    ({"parallel_tool_calls": 1}, "parallel_tool_calls", "invalid_type",
     "Invalid type for 'parallel_tool_calls': expected a boolean, but got an integer instead."),
    ({"tool_choice": "sometimes"}, "tool_choice", "invalid_value",
     "Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'."),
    ({"text": {"format": {"type": "json_schema"}}}, "text.format.name", "missing_required_parameter",
     "Missing required parameter: 'text.format.name'."),
    ({"model": None}, "model", "missing_required_parameter", "Missing required parameter: 'model'."),
])
def test_wrong_parameters_are_named_in_the_real_apis_words(fields, param, code, message):
    assert refused(create(**fields)) == {"message": message, "type": "invalid_request_error", "param": param,
                                         "code": code}


@pytest.mark.parametrize("key, value, bound, kind, side", [
    ("temperature", 2.5, 2, "decimal", "above"), ("temperature", -0.5, 0, "decimal", "below"),
    ("top_p", 1.5, 1, "decimal", "above"), ("max_output_tokens", 15, 16, "integer", "below"),
    ("top_logprobs", 21, 20, "integer", "above"), ("max_tool_calls", 0, 1, "integer", "below"),
])
def test_ranges(key, value, bound, kind, side):
    relation = ">=" if side == "below" else "<="
    shown = float(value) if kind == "decimal" else value
    assert refused(create(**{key: value})) == {
        "message": f"Invalid '{key}': {kind} {side} {'minimum' if side == 'below' else 'maximum'} value. "
                   f"Expected a value {relation} {bound}, but got {shown} instead.",
        "type": "invalid_request_error", "param": key, "code": f"{kind}_{side}_{'min' if side == 'below' else 'max'}_value"}
    assert requests.create_params(create(**{key: bound}))[key] == bound  # the bound itself is in range


def test_metadata_limits():
    assert requests.create_params(create(metadata={str(i): "v" * 512 for i in range(16)}))["metadata"]["0"] == "v" * 512
    many = refused(create(metadata={str(i): "v" for i in range(17)}))
    assert (many["param"], many["code"]) == ("metadata", "object_above_max_properties")
    assert many["message"] == ("Invalid 'metadata': too many properties. Expected an object with at most 16 "
                               "properties, but got an object with 17 properties instead.")
    long_key = refused(create(metadata={"k" * 65: "v"}))
    assert (long_key["param"], long_key["code"]) == ("metadata." + "k" * 65, "string_above_max_length")
    long_value = refused(create(metadata={"k": "v" * 513}))
    assert long_value["message"] == ("Invalid 'metadata.k': string too long. Expected a string with maximum length "
                                     "512, but got a string with length 513 instead.")
    not_string = refused(create(metadata={"a": 1}))
    assert (not_string["param"], not_string["message"]) == (
        "metadata.a", "Invalid type for 'metadata.a': expected a string, but got an integer instead.")


def test_bodies_that_are_not_an_object():
    for raw in (b"", b"nope", b"null", b"{"):
        assert refused(raw)["message"] == requests.MALFORMED_JSON
    assert refused(b"[1]")["message"] == "Invalid type for body: expected an object, but got an array instead."
    assert refused(b'"s"')["message"] == "Invalid type for body: expected an object, but got a string instead."


def test_nesting_deeper_than_the_limit_is_refused_before_validation():
    def nested(depth: int) -> bytes:  # the body itself is level 1, the input list level 2
        return b'{"model":"gpt-4.1","input":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"

    deep = refused(nested(requests.MAX_DEPTH + 1))
    assert deep == {"message": f"Invalid body: JSON nested more than {requests.MAX_DEPTH} levels deep.",
                    "type": "invalid_request_error", "param": None, "code": "invalid_json"}
    assert refused(nested(requests.MAX_DEPTH))["code"] != "invalid_json"  # at the limit: on to validation


def test_arrays_over_their_cap_are_refused_by_count():
    over = refused(create(input=[{"role": "user", "content": "x"}] * (requests.MAX_INPUT_ITEMS + 1)))
    assert (over["param"], over["code"]) == ("input", "array_above_max_length")
    assert over["message"] == (f"Invalid 'input': array too long. Expected an array with maximum length "
                               f"{requests.MAX_INPUT_ITEMS}, but got an array with length "
                               f"{requests.MAX_INPUT_ITEMS + 1} instead.")
    items = refused({"items": [{"role": "user", "content": "x"}] * 21}, requests.create_items)
    assert (items["param"], items["code"]) == ("items", "array_above_max_length")


def test_a_long_input_is_validated_in_chunks_and_errors_name_the_whole_inputs_index():
    items = [{"role": "user", "content": f"item {i}"} for i in range(3 * requests._CHUNK)]
    assert len(requests.create_params(create(input=items))["input"]) == len(items)
    at = 2 * requests._CHUNK + 7
    items[at] = {"role": "user", "content": "x", "bad": 1}
    assert refused(create(input=items))["param"] == f"input[{at}].bad"


def test_a_conversation_holds_items_not_references():
    ref = refused({"items": [{"type": "item_reference", "id": "msg_1"}]}, requests.create_items)
    assert (ref["param"], ref["code"]) == ("items[0].type", "invalid_value")
    assert requests.create_conversation(b"") == {}


def test_page_queries():
    assert requests.page({}) == {"limit": 20, "order": "desc", "after": None}
    assert requests.page({"limit": 100, "order": "asc", "after": "msg_1"}) == {"limit": 100, "order": "asc",
                                                                               "after": "msg_1"}
    for limit in (0, 101):
        with pytest.raises(InvalidRequest) as bad:
            requests.page({"limit": limit})
        assert bad.value.param == "limit"


def _emitted() -> list[dict]:
    """Each output item as the lifecycle finishes it: the builders' shapes, done."""
    function = {**objects.tool_call("function", "get_weather", "call_1", "weather"), "status": "completed",
                "arguments": "{}"}
    custom = {**objects.tool_call("custom", "exec", "call_2", "functions"), "status": "completed", "input": "x"}
    message = objects.output_message(ids.message_id(), "completed")
    message["content"].append(objects.output_text("Hi."))
    reasoning = objects.reasoning_item(ids.reasoning_id())
    reasoning["summary"].append(objects.summary_text("Thinking."))
    calls = [hosted.web_search("q"), hosted.file_search("q"), hosted.code_interpreter("print(1)", None, "s"),
             hosted.image_generation("a cat"), hosted.mcp_list_tools("wiki", ["search"]),
             hosted.mcp_call("wiki", "search", {"query": "q"}), hosted.mcp_approval_request("wiki", "search", {}),
             hosted.local_shell_call(["bash", "-lc", "ls"]), hosted.shell_call("ls", {"type": "local"}),
             hosted.shell_call("ls", None)]
    return [function, custom, message, reasoning] + [{"id": ids.item_id(c.item["type"]), **c.item} for c in calls]


@pytest.mark.parametrize("item", _emitted(), ids=lambda item: item["type"])
def test_every_output_item_we_emit_is_valid_input(item):
    """Checked against the SDK's input item types (with the accepted extras): our status on a
    custom tool call, a code interpreter call's `outputs: null`, a call's namespace. Sent as we
    emit it and with every null dropped, as some clients send it."""
    for shape in (item, {k: v for k, v in item.items() if v is not None}):
        params = requests.create_params({"model": "gpt-4.1", "input": [shape]})
        assert params["input"][0]["type"] == item["type"]
        assert set(item) - set(params["input"][0]) <= {k for k, v in item.items() if v is None}  # nothing lost
