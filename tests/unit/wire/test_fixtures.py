"""A recording's match (`Recorded`): the request normalised, so what differs between the run that
recorded and the run that replays — ids, call ids, statuses, sealed blobs, the chain — is not
matched on, and what the model was asked is."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from responses_mock.wire.fixtures import Match, Recorded, Respond

TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}


def digest(**params) -> str:
    return Recorded.of({"model": "gpt-4.1", **params}).digest


def test_a_string_input_is_the_user_message_it_stands_for():
    as_list = [{"role": "user", "content": [{"type": "input_text", "text": "Hi."}]}]
    assert digest(input="Hi.") == digest(input=as_list) == digest(input=[{"role": "user", "content": "Hi."}])


def test_ids_statuses_blobs_and_the_chain_are_not_matched_on():
    recorded = [{"type": "function_call_output", "call_id": "call_upstream", "output": "sunny"},
                {"type": "reasoning", "id": "rs_1", "encrypted_content": "gAAAA-upstream", "summary": []},
                {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
                 "content": [{"type": "output_text", "text": "Earlier.", "annotations": [], "logprobs": []}]}]
    replayed = [{"type": "function_call_output", "call_id": "call_ours", "output": "sunny"},
                {"type": "reasoning", "id": "rs_2", "encrypted_content": "gAAAA-ours", "summary": []},
                {"role": "assistant", "content": "Earlier."}]
    assert digest(input=recorded, previous_response_id="resp_a") == digest(input=replayed,
                                                                          previous_response_id="resp_b")


@pytest.mark.parametrize("changed", [
    {"input": "Hi!"}, {"model": "gpt-5-mini"}, {"instructions": "Be brief."}, {"tools": [TOOL]},
    {"input": [{"type": "function_call_output", "call_id": "c", "output": "rainy"}]},
])
def test_what_the_model_was_asked_is_matched_on(changed):
    base = {"input": "Hi.", "tools": []}
    assert digest(**{**base, **changed}) != digest(**base)


def test_a_recorded_rule_round_trips_as_a_file_holds_it():
    match = Match(request=Recorded.of({"model": "gpt-4.1", "input": "Hi.", "tools": [TOOL]}))
    again = Match.model_validate_json(match.model_dump_json(exclude_defaults=True))
    assert again.request.digest == match.request.digest == digest(input="Hi.", tools=[TOOL])
    with pytest.raises(ValidationError):
        Match.model_validate({"request": {"model": "gpt-4.1", "headers": {"authorization": "x"}}})


@pytest.mark.parametrize("changed", [
    {"text": {"format": {"type": "json_object"}}}, {"text": {"verbosity": "low"}},
    {"reasoning": {"effort": "high"}}, {"reasoning": {"summary": "auto"}},
    {"prompt": {"id": "pmpt_1", "version": "2"}}, {"tool_choice": "required"},
    {"tool_choice": {"type": "function", "name": "get_weather"}}, {"parallel_tool_calls": False},
    {"max_output_tokens": 64}, {"temperature": 0.2}, {"include": ["reasoning.encrypted_content"]},
])
def test_the_parameters_that_shape_an_answer_are_matched_on(changed):
    assert digest(input="Hi.", **changed) != digest(input="Hi.")


def test_what_does_not_shape_the_answer_or_is_at_its_default_is_not_matched_on():
    plain = digest(input="Hi.")
    assert plain == digest(input="Hi.", stream=True, background=True, store=False, metadata={"run": "7"},
                           prompt_cache_key="k", safety_identifier="u-1", user="u", service_tier="flex",
                           conversation="conv_1")
    assert plain == digest(input="Hi.", text={"format": {"type": "text"}, "verbosity": "medium"},
                           tool_choice="auto", parallel_tool_calls=True, truncation="disabled", temperature=1,
                           top_p=1.0, reasoning={"effort": None}, include=[])
    assert digest(input="Hi.", include=["a", "b"]) == digest(input="Hi.", include=["b", "a", "a"])
    # A recording made before these parameters were matched keeps the digest it had (the old shape).
    before = Recorded.model_validate({"model": "gpt-4.1", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi."}]}]})
    assert before.digest == plain


def test_ordered_output_items_stand_alone():
    respond = Respond.model_validate({"output": [
        {"type": "message", "text": "First."}, {"type": "function_call", "name": "f", "arguments": {"a": 1}},
        {"type": "web_search_call", "item": {"status": "completed"}}]})
    assert [type(i).__name__ for i in respond.output] == ["MessageItem", "FunctionCallItem", "HostedItem"]
    assert respond.scripts_output
    with pytest.raises(ValidationError, match="text cannot be given with it"):
        Respond.model_validate({"text": "Hi.", "output": [{"type": "message", "text": "Hi."}]})
    with pytest.raises(ValidationError):
        Respond.model_validate({"output": [{"text": "no type"}]})


MCP = {"type": "mcp", "server_label": "docs", "server_url": "https://mcp.example.com/sse",
       "authorization": "MCP-SECRET", "headers": {"X-Api-Key": "HDR-SECRET"}, "require_approval": "never"}


def test_an_mcp_tools_credentials_are_neither_saved_nor_matched_on():
    recorded = Recorded.of({"model": "gpt-4.1", "input": "Hi.", "tools": [MCP]})
    saved = recorded.model_dump_json()
    assert "MCP-SECRET" not in saved and "HDR-SECRET" not in saved and "X-Api-Key" not in saved
    assert recorded.tools == [{k: v for k, v in MCP.items() if k not in ("authorization", "headers")}]
    other = {**MCP, "authorization": "ANOTHER", "headers": {"X-Api-Key": "ANOTHER"}}
    assert digest(input="Hi.", tools=[MCP]) == digest(input="Hi.", tools=[other])
    assert digest(input="Hi.", tools=[MCP]) != digest(input="Hi.", tools=[{**MCP, "server_label": "wiki"}])
    # A file's rule written with them (an older recording) neither shows them nor misses for them.
    loaded = Recorded.model_validate({"model": "gpt-4.1", "input": recorded.input, "tools": [MCP]})
    assert "MCP-SECRET" not in loaded.model_dump_json() and loaded.digest == recorded.digest
    # additional_tools items carry tools of their own.
    item = {"type": "additional_tools", "tools": [MCP]}
    assert digest(input=[item]) == digest(input=[{**item, "tools": [other]}])
    assert "MCP-SECRET" not in str(Recorded.of({"model": "gpt-4.1", "input": [item]}).input)


def test_file_and_vector_store_ids_are_not_matched_on():
    def asked(file_id: str, store: str) -> str:
        return digest(input=[{"role": "user", "content": [
            {"type": "input_file", "file_id": file_id}, {"type": "input_text", "text": "What port?"}]}],
            tools=[{"type": "file_search", "vector_store_ids": [store], "max_num_results": 3},
                   {"type": "code_interpreter", "container": {"type": "auto", "file_ids": [file_id]}}])
    assert asked("file-upstream1", "vs_upstream") == asked("file-local2", "vs_local")
    assert asked("file-1", "vs_1") != digest(input="What port?")  # a file was attached: still matched on
    cited = {"role": "assistant", "content": [{"type": "output_text", "text": "Port 4242.", "annotations": [
        {"type": "file_citation", "file_id": "file-upstream1", "filename": "a.txt", "index": 9}]}]}
    searched = {"type": "file_search_call", "id": "fs_1", "status": "completed", "queries": ["port"],
                "results": [{"file_id": "file-upstream1", "filename": "a.txt", "text": "port 4242"}]}
    replayed = [{**searched, "id": "fs_2", "results": [{**searched["results"][0], "file_id": "file-local2"}]},
                {**cited, "content": [{**cited["content"][0], "annotations": [
                    {**cited["content"][0]["annotations"][0], "file_id": "file-local2"}]}]}]
    assert digest(input=[searched, cited]) == digest(input=replayed)
    assert digest(input=[searched, cited]) != digest(input=[{**searched, "queries": ["host"]}, cited])
